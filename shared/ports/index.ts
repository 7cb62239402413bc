export { type Clock, FakeClock, systemClock } from './clock';
export { FakeObjectStore, type ObjectStore, PreconditionFailedError, type StoredObject, type WriteOptions } from './object-store';
export { FakePublisher, type OutboundMessage, type PublishedMessage, type Publisher } from './publisher';
export { FakeSink, type Row, RowsRejectedError, type Sink } from './sink';
export {
  ContentionError,
  CountingStateStore,
  type Doc,
  FakeStateStore,
  type StateOps,
  type StateStore,
  type StateTx,
} from './state-store';
