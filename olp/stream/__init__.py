"""Live transcripts through Kafka: the faust worker app, and the producer and consumer behind ``olp produce`` /
``olp consume``.

Topics (names get ``OLP_TOPIC_PREFIX`` in front, so several deployments can share one broker):

- ``transcripts``: key = stream id, value = ``{"id"?: int, "text": str, "ts"?: float, "profile"?: str}``,
  or ``{"end": true}`` to close the stream (its open topics are emitted).
- ``olp-documents``: key = stream id, value = a topic document (its ``key`` field is the idempotency key).
- ``olp-assignments``: key = stream id, value = ``{"stream", "role", "model", "previous", "ts"}``.
- ``olp-dead-letters``: messages that could not be used, with the reason.

Nothing here imports faust or aiokafka at package import; the modules that need them import them.
"""
