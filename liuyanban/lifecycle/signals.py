"""Signals other apps listen to; the lifecycle never imports its listeners.

``message_event`` is sent after commit for every event, so analytics and
intelligence can keep their own records without touching the workflow.
"""

import django.dispatch

message_event = django.dispatch.Signal()
