"""Video calls: the call record and its rules, and the ICE servers browsers are given (the namespace is video/)."""
