export { type Clock, FakeClock, systemClock } from './clock';
export { FakeObjectStore, type ObjectStore, PreconditionFailedError, type StoredObject, type WriteOptions } from './object-store';
export { FakePublisher, type OutboundMessage, type PublishedMessage, type Publisher } from './publisher';
export { FakeSink, type Row, RowsRejectedError, type Sink } from './sink';
export {
  ContentionError,
  CountingStateStore,
  type Doc,
  FakeStateStore,
  type FakeStateStoreOptions,
  type StateOps,
  type StateStore,
  type StateTx,
} from './state-store';
export { CloudRejection, EnforcingPublisher, EnforcingSink, EnforcingStateStore } from './rules';
