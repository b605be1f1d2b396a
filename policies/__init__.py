"""The iam-platform CrossGuard policy pack: rules, their shared helpers, and the pack's list."""
