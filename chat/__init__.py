"""Appointment-scoped chat over Socket.IO (namespace /chat): arrives with its own issue."""
