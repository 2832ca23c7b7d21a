"""Doctor-initiated WebRTC calls: the namespace /call, its announcements and the calls' clock (rules in app/calls)."""
