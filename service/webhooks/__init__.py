"""Signed webhooks: endpoints per account, events stored with the writes that cause them or found
by scanning the steps, and their delivery by the Standard Webhooks specification."""
