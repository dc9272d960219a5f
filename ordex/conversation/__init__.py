"""The conversation with the dealer: confirmations, clarifying questions, and the replies that answer, correct,
repeat or cancel an order. Outbound messages go through the store's durable outbox and a dispatcher."""
