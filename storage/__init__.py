"""Object storage behind one interface (local and S3 backends): arrives with its own issue."""
