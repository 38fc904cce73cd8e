import { EndpointHealth } from '../../../lib/farm/endpoint-health';

describe('EndpointHealth (passive health, one checked state machine)', () => {
  it('maxFails consecutive failures eject it for failTimeout; a success in between resets the count', () => {
    const h = new EndpointHealth(2, 1000);
    expect(h.noteFailure(0)).toBe(false);
    h.noteSuccess();
    expect(h.noteFailure(10)).toBe(false);
    expect(h.noteFailure(20)).toBe(true);
    expect(h.state).toBe('ejected');
    expect(h.until).toBe(1020);
    expect(h.admits(1019)).toBe(false);
    expect(h.up(1019)).toBe(false);
    expect(h.admits(1020)).toBe(true);
    expect(h.up(1020)).toBe(true);
  });

  it('after failTimeout one trial request decides: success → healthy, failure → ejected again', () => {
    const h = new EndpointHealth(1, 1000);
    h.noteFailure(0);
    h.noteDispatch(1000);
    expect(h.state).toBe('trial');
    expect(h.admits(1000)).toBe(false); // no second request while on trial
    expect(h.up(1000)).toBe(true);
    h.noteFailure(1500);
    expect(h).toMatchObject({ state: 'ejected', until: 2500 });
    h.noteDispatch(2500);
    h.noteSuccess();
    expect(h).toMatchObject({ state: 'healthy', until: null });
  });

  it('maxFails 0 never ejects on failures; the active check still does', () => {
    const h = new EndpointHealth(0, 1000);
    for (let i = 0; i < 50; i++) expect(h.noteFailure(i)).toBe(false);
    expect(h.state).toBe('healthy');
    expect(h.noteCheckFailed(100)).toBe(true);
    expect(h).toMatchObject({ state: 'ejected', until: 1100 });
    h.noteSuccess(); // the check answered again
    expect(h.state).toBe('healthy');
  });

  it('a dispatch to a healthy endpoint or one still ejected changes nothing', () => {
    const h = new EndpointHealth(1, 1000);
    h.noteDispatch(0);
    expect(h.state).toBe('healthy');
    h.noteFailure(0);
    h.noteDispatch(500);
    expect(h.state).toBe('ejected');
  });
});
