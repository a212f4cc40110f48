"""Sending e-mail through a clinic's own SMTP server (:mod:`smpstudio.mail.transport`)."""
