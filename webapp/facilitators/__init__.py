"""A network facilitator's space: members, membership requests, invitations, imports."""
