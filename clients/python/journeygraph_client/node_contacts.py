from datetime import datetime
from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class NodeContacts(BaseModel):
    node: Optional["NodeContactsNode"]


class NodeContactsNode(BaseModel):
    id: str
    name: Optional[str]
    waiting_count: int = Field(alias="waitingCount")
    contacts: "NodeContactsNodeContacts"


class NodeContactsNodeContacts(BaseModel):
    total_count: int = Field(alias="totalCount")
    page_info: "NodeContactsNodeContactsPageInfo" = Field(alias="pageInfo")
    edges: list["NodeContactsNodeContactsEdges"]


class NodeContactsNodeContactsPageInfo(BaseModel):
    has_next_page: bool = Field(alias="hasNextPage")
    end_cursor: Optional[str] = Field(alias="endCursor")


class NodeContactsNodeContactsEdges(BaseModel):
    node: "NodeContactsNodeContactsEdgesNode"


class NodeContactsNodeContactsEdgesNode(BaseModel):
    contact_id: str = Field(alias="contactId")
    first_at: datetime = Field(alias="firstAt")
    last_at: datetime = Field(alias="lastAt")
    count: int


NodeContacts.model_rebuild()
NodeContactsNode.model_rebuild()
NodeContactsNodeContacts.model_rebuild()
NodeContactsNodeContactsEdges.model_rebuild()
