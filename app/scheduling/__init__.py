"""Working time, free slots and the booking rules every cabinet shares."""
