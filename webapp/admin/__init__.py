"""Administration: users, claims, label verification, merges, the audit trail."""
