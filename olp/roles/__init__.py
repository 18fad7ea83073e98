"""The six roles, in pipeline order. Each role builds its prompt and strictly parses the answer."""

from __future__ import annotations

from olp.roles.base import Role
from olp.roles.chunk_splitter import ChunkSplitter
from olp.roles.content_organizer import ContentOrganizer
from olp.roles.format_checker import FormatChecker
from olp.roles.relationship_checker import RelationshipChecker
from olp.roles.topic_finder import TopicFinder
from olp.roles.topic_locator import TopicLocator

#: role name -> role class, in pipeline order (the same order as ``olp.types.ROLES``).
ROLE_CLASSES: dict[str, type[Role]] = {
    cls.name: cls
    for cls in (TopicFinder, TopicLocator, RelationshipChecker, ContentOrganizer, FormatChecker, ChunkSplitter)
}

__all__ = ["ROLE_CLASSES", "Role"]
