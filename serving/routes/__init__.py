"""The API's routes, one module per area: messages, webhooks, exceptions, administration."""
