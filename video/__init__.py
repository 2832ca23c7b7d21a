"""Doctor-initiated WebRTC calls (namespace /call): arrives with its own issue."""
