export {
  Alert,
  AlertChangeKind,
  alertChangeKindFromJSON,
  alertChangeKindToJSON,
  AlertComment,
  AlertEvent,
  AlertHistoryEntry,
  AlertStatus,
  alertStatusFromJSON,
  alertStatusToJSON,
  Suppression,
  SuppressionMatch,
} from './gen/kubeguard/v1/alert.js';
export {
  AlertServiceClient,
  AlertServiceService,
  CreateSuppressionRequest,
  CreateSuppressionResponse,
  DeadDelivery,
  DeleteSuppressionRequest,
  DeleteSuppressionResponse,
  GetAlertRequest,
  GetAlertResponse,
  ListAlertsRequest,
  ListAlertsResponse,
  ListDeadDeliveriesRequest,
  ListDeadDeliveriesResponse,
  ListSinksRequest,
  ListSinksResponse,
  ListSuppressionsRequest,
  ListSuppressionsResponse,
  ReplayDeadDeliveriesRequest,
  ReplayDeadDeliveriesResponse,
  SendTestAlertRequest,
  SendTestAlertResponse,
  SimulateSuppressionRequest,
  SimulateSuppressionResponse,
  SinkInfo,
  StreamAlertsRequest,
  StreamAlertsResponse,
  UpdateAlertRequest,
  UpdateAlertResponse,
} from './gen/kubeguard/v1/alert_service.js';
export {
  AddressClass,
  AdmissionController,
  AuditEvent,
  AuditEventBatch,
  ClientAddress,
  ContainerKind,
  ContainerView,
  DerivedViews,
  EventOrigin,
  ExecView,
  HostPathVolume,
  Identity,
  IdentityClass,
  IngressView,
  ObjectSource,
  Outcome,
  PodSpecView,
  PolicyRuleView,
  ResponseStatus,
  RoleBindingView,
  RoleRefView,
  RoleView,
  RootStatus,
  ServicePortView,
  ServiceView,
  SubjectView,
  VolumeMountView,
  WorkloadKind,
} from './gen/kubeguard/v1/audit_event.js';
export {
  ExtraValues,
  ObjectRef,
  Severity,
  severityFromJSON,
  severityToJSON,
  UserInfo,
} from './gen/kubeguard/v1/common.js';
export { DeadLetter } from './gen/kubeguard/v1/dead_letter.js';
export {
  Actor,
  Detection,
  Evidence,
  Target,
  Workload,
} from './gen/kubeguard/v1/detection.js';
export {
  IngestServiceClient,
  IngestServiceService,
  PushRequest,
  PushResponse,
} from './gen/kubeguard/v1/ingest_service.js';
export { RawBatch, RawSource } from './gen/kubeguard/v1/raw.js';
export {
  EvaluateEventRequest,
  EvaluateEventResponse,
  GetRuleRequest,
  GetRuleResponse,
  ListRulesRequest,
  ListRulesResponse,
  Rule,
  RuleServiceClient,
  RuleServiceService,
} from './gen/kubeguard/v1/rule_service.js';
export {
  deadLetterSubject,
  detectionSubject,
  eventPartitionFilter,
  eventSubject,
  rawSubject,
  Streams,
  subjectToken,
} from './subjects.js';

export type { AlertServiceServer } from './gen/kubeguard/v1/alert_service.js';
export type { MessageFns } from './gen/kubeguard/v1/common.js';
export type { IngestServiceServer } from './gen/kubeguard/v1/ingest_service.js';
export type { RuleServiceServer } from './gen/kubeguard/v1/rule_service.js';
export type { StreamName } from './subjects.js';
