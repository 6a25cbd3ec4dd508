"""Signals other apps listen to; the lifecycle never imports its listeners.

(It does use two pieces of the intelligence app directly: the text machinery for search
segmentation, and the redactor named by ``LIUYANBAN["REDACTOR"]`` when publishing.)

``message_event`` is sent for every event *inside the transaction that writes it*, so
analytics, intelligence and webhooks record the work that must follow (with
``core.jobs.record``) atomically with the change; the work itself runs in the task
worker after commit. A listener that fails rolls the change back.
"""

import django.dispatch

message_event = django.dispatch.Signal()
