import { describe, expect, it } from 'vitest';
import { isRetryable } from '../../../../shared/core/errors';
import { PUBSUB_MAX_ATTRIBUTE_KEY_BYTES, PUBSUB_MAX_ATTRIBUTE_VALUE_BYTES, PUBSUB_MAX_ATTRIBUTES, PUBSUB_MAX_MESSAGE_BYTES, PUBSUB_MAX_ORDERING_KEY_BYTES } from '../../../../shared/limits';
import { EnforcingPublisher, FakePublisher, type OutboundMessage, type Publisher } from '../../../../shared/ports';
import { fakeAndWrapper } from './subjects';

const attrs = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, 'v']));

/** Pairs of (accepted, refused) messages at each limit. */
const limits: [string, OutboundMessage, OutboundMessage, RegExp][] = [
  ['message size', { data: Buffer.alloc(PUBSUB_MAX_MESSAGE_BYTES) }, { data: Buffer.alloc(PUBSUB_MAX_MESSAGE_BYTES + 1) }, /message_size is too large\. You passed 10000001 .* maximum value is 10000000/],
  [
    'message size with attributes and ordering key',
    { data: Buffer.alloc(PUBSUB_MAX_MESSAGE_BYTES - 7), attributes: { id: 'ab' }, orderingKey: 'k/1' },
    { data: Buffer.alloc(PUBSUB_MAX_MESSAGE_BYTES - 6), attributes: { id: 'ab' }, orderingKey: 'k/1' },
    /message_size is too large/,
  ],
  ['attribute count', { data: Buffer.from('x'), attributes: attrs(PUBSUB_MAX_ATTRIBUTES) }, { data: Buffer.from('x'), attributes: attrs(PUBSUB_MAX_ATTRIBUTES + 1) }, /101 attributes.*maximum allowed is 100/],
  [
    'attribute key',
    { data: Buffer.from('x'), attributes: { ['k'.repeat(PUBSUB_MAX_ATTRIBUTE_KEY_BYTES)]: 'v' } },
    { data: Buffer.from('x'), attributes: { ['k'.repeat(PUBSUB_MAX_ATTRIBUTE_KEY_BYTES + 1)]: 'v' } },
    /key that is too long\. The length is 257 bytes, but the maximum allowed is 256/,
  ],
  [
    'attribute value (UTF-8 bytes)',
    { data: Buffer.from('x'), attributes: { k: 'é'.repeat(PUBSUB_MAX_ATTRIBUTE_VALUE_BYTES / 2) } },
    { data: Buffer.from('x'), attributes: { k: `${'é'.repeat(PUBSUB_MAX_ATTRIBUTE_VALUE_BYTES / 2)}v` } },
    /value that is too long\. The length is 1025 bytes, but the maximum allowed is 1024/,
  ],
  [
    'ordering key',
    { data: Buffer.from('x'), orderingKey: 'o'.repeat(PUBSUB_MAX_ORDERING_KEY_BYTES) },
    { data: Buffer.from('x'), orderingKey: 'o'.repeat(PUBSUB_MAX_ORDERING_KEY_BYTES + 1) },
    /ordering key is too long/,
  ],
  ['an empty message', { data: Buffer.alloc(0), attributes: { only: 'attr' } }, { data: Buffer.alloc(0) }, /Some messages are empty/],
];

/** A publisher that records what reaches it and enforces nothing. */
class RecordingPublisher implements Publisher {
  readonly calls: number[] = [];
  async publish(_topic: string, messages: OutboundMessage[]): Promise<string[]> {
    this.calls.push(messages.length);
    return messages.map((_, i) => String(i));
  }
}

describe.each(fakeAndWrapper<Publisher, RecordingPublisher>(() => new FakePublisher(), (inner) => new EnforcingPublisher(inner), () => new RecordingPublisher()))('%s refuses what Pub/Sub refuses', (_name, make) => {
  it.each(limits)('%s: just under is published, just over is refused with INVALID_ARGUMENT', async (_limit, under, over, message) => {
    const { port: publisher, inner } = make();
    await expect(publisher.publish('t', [under])).resolves.toHaveLength(1);
    const err = await publisher.publish('t', [{ data: Buffer.from('fine') }, over]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 3, message: expect.stringMatching(/^3 INVALID_ARGUMENT: /) });
    expect((err as Error).message).toMatch(message);
    expect(isRetryable(err)).toBe(false);
    if (inner) expect(inner.calls).toEqual([1]);
  });

  it('takes more messages in one call than one publish request holds: the client batches them', async () => {
    const { port: publisher } = make();
    await expect(publisher.publish('t', Array.from({ length: 2500 }, () => ({ data: Buffer.from('x') })))).resolves.toHaveLength(2500);
  });
});

it('FakePublisher records nothing of a refused call', async () => {
  const publisher = new FakePublisher();
  await expect(publisher.publish('t', [{ data: Buffer.from('ok') }, { data: Buffer.alloc(0) }])).rejects.toMatchObject({ code: 3 });
  expect(publisher.published).toEqual([]);
});
