"""The studio: the clinic's web app and its JSON API over the service layer (``smp studio``)."""
