"""Patients: the registry search, the doctor's patient list and guardianships."""
