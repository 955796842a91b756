import { describe, expect, it } from 'vitest';
import { KioskReportedAlerts } from './kiosk-reported-alerts';

const K = 'aeon-1-k000001';

describe('alerts a kiosk reports, from heartbeats and late events', () => {
  it('follows the heartbeat list; a heartbeat without a list says nothing', () => {
    const reported = new KioskReportedAlerts();
    reported.applyHeartbeat(K, ['card-left-behind'], 100);
    expect([...reported.active(K)]).toEqual(['card-left-behind']);
    reported.applyHeartbeat(K, undefined, 200);
    expect([...reported.active(K)]).toEqual(['card-left-behind']);
    reported.applyHeartbeat(K, [], 300);
    expect([...reported.active(K)]).toEqual([]);
  });

  it('lets the newer fact win whatever arrives last', () => {
    const reported = new KioskReportedAlerts();
    reported.applyEvent(K, 'card-left-behind', false, 200); // the clear arrives first
    reported.applyEvent(K, 'card-left-behind', true, 100); // its older alert after
    expect(reported.active(K).size).toBe(0);

    reported.applyHeartbeat(K, [], 500);
    reported.applyEvent(K, 'settlement-not-recorded', true, 400); // older than the list that omitted it
    expect(reported.active(K).size).toBe(0);
    reported.applyEvent(K, 'settlement-not-recorded', true, 600);
    expect([...reported.active(K)]).toEqual(['settlement-not-recorded']);
  });

  it('keeps an alert seeded from before a restart until any fact about it arrives', () => {
    const reported = new KioskReportedAlerts();
    reported.seed(K, 'card-left-behind');
    expect([...reported.active(K)]).toEqual(['card-left-behind']);
    reported.applyHeartbeat(K, [], 1);
    expect(reported.active(K).size).toBe(0);
  });
});
