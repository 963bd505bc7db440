"""Live figures of the adapter for operators, in Prometheus' text format (prometheus-client).

Served on 127.0.0.1:ADAPTER_METRICS_PORT when that is set (off by default). Labels only ever
carry a fixed word (an outcome or a reason), never a chat, a user, a pseudonym or a text:
the figures are about the assistant, not about anyone using it.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

# Seconds; Telegram users notice from about 1 s, the adapter says "one moment" after 6 s.
LATENCY_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 10, 20, 60)

TURNS = Counter(
    "wegweiser_adapter_turns", "User messages sent to Rasa, by outcome", ["outcome"]
)  # answered | gave_up
REPLY_SECONDS = Histogram(
    "wegweiser_adapter_reply_seconds",
    "From sending a message to Rasa until its replies are in hand (retries included)",
    buckets=LATENCY_BUCKETS,
)
RASA_UNAVAILABLE = Counter(
    "wegweiser_adapter_rasa_unavailable", "Failed attempts to get a turn answered, by reason", ["reason"]
)  # unreachable | timeout | actions_down
RETRIES = Counter("wegweiser_adapter_rasa_retries", "Turns sent to Rasa again after a failed attempt")
WAITING_UPDATES = Gauge("wegweiser_adapter_waiting_updates", "Updates queued in the adapter, all chats")
LONGEST_CHAT_QUEUE = Gauge(
    "wegweiser_adapter_longest_chat_queue", "Updates queued for the chat with the most waiting"
)
TELEGRAM_429 = Counter("wegweiser_adapter_telegram_429", "Requests Telegram answered with 429 (retry after)")
DELIVERY_RETRIES = Counter(
    "wegweiser_adapter_delivery_retries", "Stored updates handled again after delivery or the inbox failed"
)


def serve(port: int | None) -> None:
    """Serve the figures on 127.0.0.1:port (never on another interface); None: not at all."""
    if port is not None:
        start_http_server(port, addr="127.0.0.1")
