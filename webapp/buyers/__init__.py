"""What buyers keep and do: shortlists of enterprises, the contact form, saved searches
with e-mail alerts."""
