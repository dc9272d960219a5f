"""A second message generator, written apart from training, for measuring ordex on strangers\x27 messages."""
