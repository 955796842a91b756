import { describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot, AnyStateNode, EventObject } from 'xstate';
import { getAdjacencyMap, getShortestPaths } from 'xstate/graph';
import { SCREEN_IDS } from './screens';
import { isSessionActorFailure } from './session-actors';
import { sessionMachine } from './session-machine';
import { MORNING } from './testing/fixtures';
import { SessionHarness } from './testing/session-harness';
import { INVOKED_ACTORS, modelAllows, modelEvents, serializeModelState } from './testing/session-model';
import { toViewModel } from './view-model';

/**
 * Model-based coverage: `xstate/graph` walks the machine over every UI, device and actor event
 * (testing/session-model.ts) and finds a shortest path to every distinct state. The tests prove
 * that every state of the config is reachable, that every screen is shown, and — replaying the
 * paths on a live actor with scripted actors and a simulated clock — that the running machine
 * goes exactly where the model says.
 */

const INPUT = { offeredProcedures: ['signature-pin', 'auth-pin'] as const, now: MORNING };

const TRAVERSAL = {
  input: { ...INPUT, offeredProcedures: [...INPUT.offeredProcedures] },
  events: modelEvents as never,
  filterEvents: modelAllows as never,
  serializeState: serializeModelState as never,
};
const paths = getShortestPaths(sessionMachine, TRAVERSAL);

/** Raised by the machine itself within a step, so no model event selects it directly. */
const RAISED_INTERNALLY = ['hours.closing', 'hours.closed'];

function allNodes(node: AnyStateNode): AnyStateNode[] {
  return [node, ...(Object.values(node.states) as AnyStateNode[]).flatMap(allNodes)];
}

/** The states a machine can rest in (history pseudo-states only point at one). */
function atomicNodes(node: AnyStateNode): AnyStateNode[] {
  if (node.type === 'history') return [];
  const children = Object.values(node.states) as AnyStateNode[];
  return children.length === 0 ? [node] : children.flatMap(atomicNodes);
}

/** A state with an unguarded eventless transition is only passed through, never at rest. */
function isPassThrough(node: AnyStateNode): boolean {
  return node.always?.some((transition) => transition.guard === undefined) ?? false;
}

function restingAtomicIds(snapshot: AnyMachineSnapshot): string[] {
  return snapshot._nodes.filter((node) => node.type === 'atomic').map((node) => node.id);
}

/** Plays one model event on the live harness. */
async function perform(
  h: SessionHarness,
  event: EventObject,
  scheduledAt: WeakMap<object, number>,
): Promise<void> {
  const [, kind, , id] = event.type.match(/^xstate\.(done|error)\.(actor)\.(.+)$/) ?? [];
  if (kind && id) {
    const name = INVOKED_ACTORS[id];
    if (!name) throw new Error(`no actor for invoke ${id}`);
    const error = (event as { error?: unknown }).error;
    const reply =
      kind === 'done'
        ? { output: (event as unknown as { output: never }).output }
        : { failure: isSessionActorFailure(error) ? error.failure : ('card-unreadable' as const) };
    h.actors.complete(name, reply as never);
    await h.settle();
    return;
  }
  if (event.type.startsWith('xstate.after.')) {
    const scheduled = Object.values(h.actor.system.getSnapshot()._scheduledEvents).find(
      (candidate) => candidate.event.type === event.type,
    );
    if (!scheduled) throw new Error(`timer ${event.type} is not running`);
    const remaining = (scheduledAt.get(scheduled) ?? h.clock.now()) + scheduled.delay - h.clock.now();
    await h.advance(remaining);
    return;
  }
  await h.send(event as never);
}

/** Replays a model path on a live actor, checking the state after every step. */
async function replay(steps: Array<{ event: EventObject; state: AnyMachineSnapshot }>): Promise<void> {
  const h = new SessionHarness({
    input: { ...INPUT, offeredProcedures: [...INPUT.offeredProcedures] },
    replies: 'manual',
    readerReady: false,
  });
  h.actors.setDefault('checkNewPin', undefined);
  h.actors.setDefault('precheckReservation', undefined);
  const scheduledAt = new WeakMap<object, number>();
  const noteTimers = () => {
    for (const scheduled of Object.values(h.actor.system.getSnapshot()._scheduledEvents)) {
      if (!scheduledAt.has(scheduled)) scheduledAt.set(scheduled, h.clock.now());
    }
  };
  noteTimers();
  const [initial, ...rest] = steps;
  expect(serializeModelState(h.snapshot)).toBe(initial && serializeModelState(initial.state));
  for (const step of rest) {
    await perform(h, step.event, scheduledAt);
    noteTimers();
    expect(serializeModelState(h.snapshot), `after ${step.event.type}`).toBe(serializeModelState(step.state));
  }
  h.stop();
}

describe('session machine, model-based', () => {
  const resting = new Set(paths.flatMap((path) => restingAtomicIds(path.state)));
  const allAtomic = atomicNodes(sessionMachine.root);

  it('reaches every state of the config (pass-through choice states aside)', () => {
    const passThrough = allAtomic.filter(isPassThrough).map((node) => node.id);
    expect(passThrough.sort()).toEqual(['session.hours.deciding', 'session.kiosk.standby', 'sessionEnd']);
    const unreached = allAtomic
      .filter((node) => !isPassThrough(node) && !resting.has(node.id))
      .map((node) => node.id);
    expect(unreached).toEqual([]);
  });

  it('takes every event transition of the config somewhere', () => {
    const taken = new Set<unknown>();
    const adjacency = getAdjacencyMap(sessionMachine as never, TRAVERSAL);
    for (const { state, transitions } of Object.values(adjacency)) {
      for (const { event } of Object.values(transitions as Record<string, { event: EventObject }>)) {
        for (const definition of sessionMachine.getTransitionData(state as never, event as never))
          taken.add(definition);
      }
    }
    const untaken = allNodes(sessionMachine.root)
      .flatMap((node) => [...node.transitions.values()].flat())
      .filter((definition) => !taken.has(definition) && !RAISED_INTERNALLY.includes(definition.eventType))
      .map((definition) => `${definition.source.id} on ${definition.eventType}`);
    expect(untaken).toEqual([]);
  });

  it('shows every screen', () => {
    const screens = new Set(paths.map((path) => toViewModel(path.state as never).screen));
    expect([...screens].sort()).toEqual([...SCREEN_IDS].sort());
  });

  it(
    'runs live exactly as the model says, on a shortest path to every state',
    { timeout: 60_000 },
    async () => {
      const byState = new Map<string, (typeof paths)[number]>();
      for (const path of paths) {
        for (const id of restingAtomicIds(path.state)) {
          const best = byState.get(id);
          if (!best || path.steps.length < best.steps.length) byState.set(id, path);
        }
      }
      expect(byState.size).toBe(resting.size);
      for (const path of byState.values()) await replay(path.steps);
    },
  );

  it('runs live exactly as the model says, along every path it generates', { timeout: 120_000 }, async () => {
    // Shortest paths form a tree; replaying its leaves checks every path on the way.
    const key = (steps: ReadonlyArray<{ event: EventObject }>) =>
      steps.map((step) => JSON.stringify(step.event)).join('|');
    const parents = new Set(paths.map((path) => key(path.steps.slice(0, -1))));
    const leaves = paths.filter((path) => !parents.has(key(path.steps)));
    expect(paths.length).toBeGreaterThan(500);
    for (const path of leaves) await replay(path.steps);
  });
});
