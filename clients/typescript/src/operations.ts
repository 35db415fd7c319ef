/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
export type Channel =
  | 'EMAIL'
  | 'IN_APP'
  | 'PUSH'
  | 'SMS'
  | 'WEB_PUSH'
  | 'WHATSAPP';

export type ContactActivity =
  | 'CLICKED'
  | 'COMPLETED'
  | 'CONVERTED'
  | 'DELIVERED'
  | 'ENTERED'
  | 'EXITED'
  | 'OPENED'
  | 'SENT';

export type CreateJourneyInput = {
  description: string | null | undefined;
  goal: JourneyGoalInput | null | undefined;
  name: string;
  nodes: Array<NodeInput> | null | undefined;
  paths: Array<PathInput> | null | undefined;
};

export type EnrollmentStatus =
  | 'ACTIVE'
  | 'COMPLETED'
  | 'EXITED';

export type EventInput = {
  contactId: string;
  /** Caller-chosen idempotency key, unique within the workspace, 1 to 128 characters. */
  id: string;
  journeyId: string | number;
  nodeId: string | number | null | undefined;
  occurredAt: string;
  pathId: string | number | null | undefined;
  revenue: string | null | undefined;
  type: EventType;
  url: string | null | undefined;
};

export type EventType =
  | 'ADDED_TO_CART'
  | 'GOAL_CONVERTED'
  | 'HOLDOUT_GLOBAL'
  | 'HOLDOUT_JOURNEY'
  | 'JOURNEY_COMPLETED'
  | 'JOURNEY_ENTERED'
  | 'JOURNEY_EXITED'
  | 'MESSAGE_BOUNCED'
  | 'MESSAGE_CLICKED'
  | 'MESSAGE_DELIVERED'
  | 'MESSAGE_OPENED'
  | 'MESSAGE_SENT'
  | 'NODE_ENTERED'
  | 'PATH_TRAVERSED'
  | 'SPAM_COMPLAINT'
  | 'TRANSACTION'
  | 'UNSUBSCRIBED'
  | 'WEBHOOK_FAILED'
  | 'WEBHOOK_SUCCEEDED';

export type JourneyGoalInput = {
  config: unknown;
  deadlineDays: number | null | undefined;
  type: string;
};

export type JourneyStatus =
  | 'ARCHIVED'
  | 'DRAFT'
  | 'PAUSED'
  | 'PUBLISHED';

export type NodeInput = {
  channel: Channel | null | undefined;
  config: unknown;
  /** An existing node's id keeps that node (and its history); omit it for a new node. */
  id: string | number | null | undefined;
  /** A reference, unique within this request, that paths may use for a node without an id yet. */
  key: string | null | undefined;
  name: string | null | undefined;
  position: PositionInput | null | undefined;
  type: NodeType;
};

export type NodeType =
  | 'CONDITION'
  | 'EXIT'
  | 'GOAL_CHECK'
  | 'MESSAGE'
  | 'SPLIT'
  | 'TRIGGER'
  | 'UPDATE_CONTACT'
  | 'WAIT'
  | 'WAIT_FOR_EVENT'
  | 'WEBHOOK';

export type PathInput = {
  id: string | number | null | undefined;
  /** Order among the source's paths; the lowest free one when omitted. */
  index: number | null | undefined;
  label: string | null | undefined;
  /** A node's id or key. */
  source: string;
  /** A node's id or key. */
  target: string;
};

export type PositionInput = {
  x: number;
  y: number;
};

export type UserErrorCode =
  | 'GRAPH_INVALID'
  | 'INVALID'
  | 'INVALID_TRANSITION'
  | 'NOT_FOUND'
  | 'VERSION_CONFLICT';

export type CanvasQueryVariables = Exact<{
  journeyId: string | number;
  startDate: string;
  endDate: string;
  timeZone: string | null | undefined;
}>;


export type CanvasQuery = { journey: { id: string, name: string, status: JourneyStatus, version: number, performance: { enteredCount: number, uniqueContactCount: number, inProgressCount: number, completionRate: number | null, conversionRate: number | null, revenue: string }, nodes: Array<{ id: string, type: NodeType, name: string | null, channel: Channel | null, position: { x: number, y: number } | null, performance: { trafficCount: number, uniqueContactCount: number, messageSent: number | null, deliveryRate: number | null, openRate: number | null, clickRate: number | null, webhookFailed: number | null } }>, paths: Array<{ id: string, label: string | null, index: number, source: { id: string }, target: { id: string }, performance: { trafficCount: number, trafficRatio: number | null } }> } | null };

export type ComparePeriodsQueryVariables = Exact<{
  journeyId: string | number;
  startDate: string;
  endDate: string;
  previousStartDate: string;
  previousEndDate: string;
  timeZone: string | null | undefined;
}>;


export type ComparePeriodsQuery = { journey: { id: string, name: string, current: { enteredCount: number, uniqueContactCount: number, conversionRate: number | null, revenue: string }, previous: { enteredCount: number, uniqueContactCount: number, conversionRate: number | null, revenue: string } } | null };

export type CreateJourneyMutationVariables = Exact<{
  input: CreateJourneyInput;
}>;


export type CreateJourneyMutation = { createJourney: { journey: { id: string, name: string, status: JourneyStatus, version: number, nodes: Array<{ id: string, type: NodeType, name: string | null }>, paths: Array<{ id: string, source: { id: string }, target: { id: string } }> } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: UserErrorCode }> } };

export type EnrollmentsQueryVariables = Exact<{
  journeyId: string | number;
  status: EnrollmentStatus | null | undefined;
  nodeId: string | number | null | undefined;
  first?: number | null | undefined;
  after: string | null | undefined;
}>;


export type EnrollmentsQuery = { journey: { id: string, activeCount: number, enrollments: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { contactId: string, status: EnrollmentStatus, enteredAt: string, endedAt: string | null, converted: boolean, lastEventAt: string, currentNode: { id: string, name: string | null } | null } }> } } | null };

export type JourneysQueryVariables = Exact<{
  first?: number | null | undefined;
  after: string | null | undefined;
  status: Array<JourneyStatus> | JourneyStatus | null | undefined;
  search: string | null | undefined;
}>;


export type JourneysQuery = { journeys: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, name: string, status: JourneyStatus, version: number, updatedAt: string } }> } };

export type NodeContactsQueryVariables = Exact<{
  nodeId: string | number;
  startDate: string;
  endDate: string;
  timeZone: string | null | undefined;
  activity: ContactActivity;
  first?: number | null | undefined;
  after: string | null | undefined;
}>;


export type NodeContactsQuery = { node: { id: string, name: string | null, waitingCount: number, contacts: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { contactId: string, firstAt: string, lastAt: string, count: number } }> } } | null };

export type NodeDailySeriesQueryVariables = Exact<{
  nodeId: string | number;
  startDate: string;
  endDate: string;
  timeZone: string | null | undefined;
}>;


export type NodeDailySeriesQuery = { node: { id: string, name: string | null, type: NodeType, timeSeries: Array<{ start: string, end: string, performance: { trafficCount: number, uniqueContactCount: number, messageSent: number | null, uniqueOpens: number | null, openRate: number | null } }> } | null };

export type RecordEventsMutationVariables = Exact<{
  events: Array<EventInput> | EventInput;
}>;


export type RecordEventsMutation = { recordEvents: { accepted: number, duplicates: number, rejected: Array<{ index: number, id: string | null, code: string, message: string }> } };

export type SaveCanvasMutationVariables = Exact<{
  journeyId: string | number;
  nodes: Array<NodeInput> | NodeInput;
  paths: Array<PathInput> | PathInput;
  expectedVersion: number | null | undefined;
}>;


export type SaveCanvasMutation = { saveCanvas: { journey: { id: string, version: number, nodes: Array<{ id: string, type: NodeType, name: string | null }>, paths: Array<{ id: string, label: string | null, index: number, source: { id: string }, target: { id: string } }> } | null, userErrors: Array<{ field: Array<string> | null, message: string, code: UserErrorCode }> } };
