"""Throwaway instances of real services (PostgreSQL, Redis, ...) on free loopback ports, for tests and developers."""
