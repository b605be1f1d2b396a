"""The Lambda KMS grant doctor: evidence (read-only), verdict (pure), repair (plan, execute)."""
