"""Settings → Canned replies, and the reply box's canned-reply picker."""
