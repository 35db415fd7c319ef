from datetime import date
from typing import Any, Optional, Union

from .async_base_client import AsyncBaseClient
from .base_model import UNSET, UnsetType
from .canvas import Canvas
from .compare_periods import ComparePeriods
from .create_journey import CreateJourney
from .enrollments import Enrollments
from .enums import ContactActivity, EnrollmentStatus, JourneyStatus
from .input_types import CreateJourneyInput, EventInput, NodeInput, PathInput
from .journeys import Journeys
from .node_contacts import NodeContacts
from .node_daily_series import NodeDailySeries
from .record_events import RecordEvents
from .save_canvas import SaveCanvas


def gql(q: str) -> str:
    return q


class JourneygraphClient(AsyncBaseClient):
    async def canvas(
        self,
        journey_id: str,
        start_date: date,
        end_date: date,
        time_zone: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> Canvas:
        query = gql("""
            query Canvas($journeyId: ID!, $startDate: Date!, $endDate: Date!, $timeZone: String) {
              journey(id: $journeyId) {
                id
                name
                status
                version
                performance(startDate: $startDate, endDate: $endDate, timeZone: $timeZone) {
                  enteredCount
                  uniqueContactCount
                  inProgressCount
                  completionRate
                  conversionRate
                  revenue
                }
                nodes {
                  id
                  type
                  name
                  channel
                  position {
                    x
                    y
                  }
                  performance(startDate: $startDate, endDate: $endDate, timeZone: $timeZone) {
                    trafficCount
                    uniqueContactCount
                    messageSent
                    deliveryRate
                    openRate
                    clickRate
                    webhookFailed
                  }
                }
                paths {
                  id
                  label
                  index
                  source {
                    id
                  }
                  target {
                    id
                  }
                  performance(startDate: $startDate, endDate: $endDate, timeZone: $timeZone) {
                    trafficCount
                    trafficRatio
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "journeyId": journey_id,
            "startDate": start_date,
            "endDate": end_date,
            "timeZone": time_zone,
        }
        response = await self.execute(
            query=query, operation_name="Canvas", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Canvas.model_validate(data)

    async def compare_periods(
        self,
        journey_id: str,
        start_date: date,
        end_date: date,
        previous_start_date: date,
        previous_end_date: date,
        time_zone: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> ComparePeriods:
        query = gql("""
            query ComparePeriods($journeyId: ID!, $startDate: Date!, $endDate: Date!, $previousStartDate: Date!, $previousEndDate: Date!, $timeZone: String) {
              journey(id: $journeyId) {
                id
                name
                current: performance(
                  startDate: $startDate
                  endDate: $endDate
                  timeZone: $timeZone
                ) {
                  enteredCount
                  uniqueContactCount
                  conversionRate
                  revenue
                }
                previous: performance(
                  startDate: $previousStartDate
                  endDate: $previousEndDate
                  timeZone: $timeZone
                ) {
                  enteredCount
                  uniqueContactCount
                  conversionRate
                  revenue
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "journeyId": journey_id,
            "startDate": start_date,
            "endDate": end_date,
            "previousStartDate": previous_start_date,
            "previousEndDate": previous_end_date,
            "timeZone": time_zone,
        }
        response = await self.execute(
            query=query, operation_name="ComparePeriods", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return ComparePeriods.model_validate(data)

    async def create_journey(
        self, input: CreateJourneyInput, **kwargs: Any
    ) -> CreateJourney:
        query = gql("""
            mutation CreateJourney($input: CreateJourneyInput!) {
              createJourney(input: $input) {
                journey {
                  id
                  name
                  status
                  version
                  nodes {
                    id
                    type
                    name
                  }
                  paths {
                    id
                    source {
                      id
                    }
                    target {
                      id
                    }
                  }
                }
                userErrors {
                  field
                  message
                  code
                }
              }
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="CreateJourney", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return CreateJourney.model_validate(data)

    async def enrollments(
        self,
        journey_id: str,
        status: Union[Optional[EnrollmentStatus], UnsetType] = UNSET,
        node_id: Union[Optional[str], UnsetType] = UNSET,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> Enrollments:
        query = gql("""
            query Enrollments($journeyId: ID!, $status: EnrollmentStatus, $nodeId: ID, $first: Int = 20, $after: String) {
              journey(id: $journeyId) {
                id
                activeCount
                enrollments(status: $status, nodeId: $nodeId, first: $first, after: $after) {
                  totalCount
                  pageInfo {
                    hasNextPage
                    endCursor
                  }
                  edges {
                    node {
                      contactId
                      status
                      enteredAt
                      endedAt
                      currentNode {
                        id
                        name
                      }
                      converted
                      lastEventAt
                    }
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "journeyId": journey_id,
            "status": status,
            "nodeId": node_id,
            "first": first,
            "after": after,
        }
        response = await self.execute(
            query=query, operation_name="Enrollments", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Enrollments.model_validate(data)

    async def journeys(
        self,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        status: Union[Optional[list[JourneyStatus]], UnsetType] = UNSET,
        search: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> Journeys:
        query = gql("""
            query Journeys($first: Int = 20, $after: String, $status: [JourneyStatus!], $search: String) {
              journeys(first: $first, after: $after, status: $status, search: $search) {
                totalCount
                pageInfo {
                  hasNextPage
                  endCursor
                }
                edges {
                  cursor
                  node {
                    id
                    name
                    status
                    version
                    updatedAt
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "first": first,
            "after": after,
            "status": status,
            "search": search,
        }
        response = await self.execute(
            query=query, operation_name="Journeys", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Journeys.model_validate(data)

    async def node_contacts(
        self,
        node_id: str,
        start_date: date,
        end_date: date,
        activity: ContactActivity,
        time_zone: Union[Optional[str], UnsetType] = UNSET,
        first: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> NodeContacts:
        query = gql("""
            query NodeContacts($nodeId: ID!, $startDate: Date!, $endDate: Date!, $timeZone: String, $activity: ContactActivity!, $first: Int = 20, $after: String) {
              node(id: $nodeId) {
                id
                name
                waitingCount
                contacts(
                  startDate: $startDate
                  endDate: $endDate
                  timeZone: $timeZone
                  activity: $activity
                  first: $first
                  after: $after
                ) {
                  totalCount
                  pageInfo {
                    hasNextPage
                    endCursor
                  }
                  edges {
                    node {
                      contactId
                      firstAt
                      lastAt
                      count
                    }
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "nodeId": node_id,
            "startDate": start_date,
            "endDate": end_date,
            "timeZone": time_zone,
            "activity": activity,
            "first": first,
            "after": after,
        }
        response = await self.execute(
            query=query, operation_name="NodeContacts", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return NodeContacts.model_validate(data)

    async def node_daily_series(
        self,
        node_id: str,
        start_date: date,
        end_date: date,
        time_zone: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> NodeDailySeries:
        query = gql("""
            query NodeDailySeries($nodeId: ID!, $startDate: Date!, $endDate: Date!, $timeZone: String) {
              node(id: $nodeId) {
                id
                name
                type
                timeSeries(
                  startDate: $startDate
                  endDate: $endDate
                  timeZone: $timeZone
                  granularity: DAY
                ) {
                  start
                  end
                  performance {
                    trafficCount
                    uniqueContactCount
                    messageSent
                    uniqueOpens
                    openRate
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "nodeId": node_id,
            "startDate": start_date,
            "endDate": end_date,
            "timeZone": time_zone,
        }
        response = await self.execute(
            query=query, operation_name="NodeDailySeries", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return NodeDailySeries.model_validate(data)

    async def record_events(
        self, events: list[EventInput], **kwargs: Any
    ) -> RecordEvents:
        query = gql("""
            mutation RecordEvents($events: [EventInput!]!) {
              recordEvents(events: $events) {
                accepted
                duplicates
                rejected {
                  index
                  id
                  code
                  message
                }
              }
            }
            """)
        variables: dict[str, object] = {"events": events}
        response = await self.execute(
            query=query, operation_name="RecordEvents", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RecordEvents.model_validate(data)

    async def save_canvas(
        self,
        journey_id: str,
        nodes: list[NodeInput],
        paths: list[PathInput],
        expected_version: Union[Optional[int], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> SaveCanvas:
        query = gql("""
            mutation SaveCanvas($journeyId: ID!, $nodes: [NodeInput!]!, $paths: [PathInput!]!, $expectedVersion: Int) {
              saveCanvas(
                journeyId: $journeyId
                nodes: $nodes
                paths: $paths
                expectedVersion: $expectedVersion
              ) {
                journey {
                  id
                  version
                  nodes {
                    id
                    type
                    name
                  }
                  paths {
                    id
                    label
                    index
                    source {
                      id
                    }
                    target {
                      id
                    }
                  }
                }
                userErrors {
                  field
                  message
                  code
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "journeyId": journey_id,
            "nodes": nodes,
            "paths": paths,
            "expectedVersion": expected_version,
        }
        response = await self.execute(
            query=query, operation_name="SaveCanvas", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return SaveCanvas.model_validate(data)
