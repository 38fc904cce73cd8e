import {
  cookieValue,
  leastBusy,
  pickEndpoint,
  rendezvous,
  type Candidate,
} from '../../../lib/farm/balancer';

function c(text: string, inFlight: number, weight = 1, available = true): Candidate {
  return { text, inFlight, weight, available };
}

describe('leastBusy (weighted least outstanding requests)', () => {
  it.each([
    ['the idle one', [c('a', 2), c('b', 0), c('c', 1)], 0, 1],
    ['ties from the turn on', [c('a', 1), c('b', 1), c('c', 1)], 2, 2],
    ['ties wrap round', [c('a', 0), c('b', 1), c('c', 0)], 1, 2],
    ['weight 2 takes twice the load', [c('a', 1), c('b', 2, 2)], 0, 1],
    ['weight 2 takes twice the load, not more', [c('a', 1), c('b', 3, 2)], 0, 0],
    ['only the available', [c('a', 0, 1, false), c('b', 5)], 0, 1],
    ['none available', [c('a', 0, 1, false), c('b', 0, 1, false)], 0, -1],
  ])('%s', (_name, candidates, turn, expected) => {
    expect(leastBusy(candidates, turn)).toBe(expected);
  });

  it('avoids the endpoint a request failed on unless it is the only one', () => {
    expect(leastBusy([c('a', 0), c('b', 3)], 0, 0)).toBe(1);
    expect(leastBusy([c('a', 0), c('b', 3, 1, false)], 0, 0)).toBe(0);
  });

  it('in turn over equal endpoints, each weight its share', () => {
    // Simulate 300 requests that each stay in flight: the shares follow the weights 1:2:3.
    const load = [0, 0, 0];
    const weights = [1, 2, 3];
    let turn = 0;
    for (let i = 0; i < 300; i++) {
      const at = leastBusy(
        load.map((n, j) => c(String(j), n, weights[j])),
        turn,
      );
      load[at]++;
      turn = (at + 1) % 3;
    }
    expect(load).toEqual([50, 100, 150]);
  });
});

describe('rendezvous hashing (cookieHash)', () => {
  const three = [c('127.0.0.2:9000', 0), c('127.0.0.3:9000', 0), c('unix:/run/php.sock', 0)];
  const keys = Array.from({ length: 3000 }, (_, i) => `sess${i}`);

  it('is stable and spreads keys evenly', () => {
    const homes = keys.map((k) => rendezvous(three, k));
    expect(keys.map((k) => rendezvous(three, k))).toEqual(homes);
    for (let i = 0; i < 3; i++) {
      const share = homes.filter((h) => h === i).length / keys.length;
      expect(share).toBeGreaterThan(0.28);
      expect(share).toBeLessThan(0.39);
    }
  });

  it('losing an endpoint moves only its own keys', () => {
    const before = keys.map((k) => three[rendezvous(three, k)].text);
    const two = three.slice(0, 2);
    const after = keys.map((k) => two[rendezvous(two, k)].text);
    keys.forEach((_, i) => {
      if (before[i] !== 'unix:/run/php.sock') expect(after[i]).toBe(before[i]);
    });
  });

  it('weights the shares', () => {
    const weighted = [c('a:1', 0, 1), c('b:1', 0, 3)];
    const toB = keys.filter((k) => rendezvous(weighted, k) === 1).length / keys.length;
    expect(toB).toBeGreaterThan(0.7);
    expect(toB).toBeLessThan(0.8);
  });

  it('falls back to leastBusy when the home endpoint is unavailable or there is no cookie', () => {
    const home = rendezvous(three, 'abc');
    const down = three.map((x, i) => (i === home ? c(x.text, 0, 1, false) : x));
    expect(pickEndpoint(three, 0, 'abc')).toBe(home);
    expect(pickEndpoint(down, 0, 'abc')).not.toBe(home);
    expect(pickEndpoint(down, 0, 'abc')).toBeGreaterThanOrEqual(0);
    expect(pickEndpoint([c('a', 3), c('b', 0)], 0, undefined)).toBe(1);
  });
});

describe('cookieValue', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['PHPSESSID=abc', 'abc'],
    ['theme=dark; PHPSESSID=abc; x=1', 'abc'],
    ['  PHPSESSID = abc ', 'abc'],
    ['XPHPSESSID=abc', undefined],
    ['PHPSESSID=', undefined],
    ['PHPSESSID', undefined],
    ['PHPSESSID=a=b', 'a=b'],
  ])('%j → %j', (header, expected) => {
    expect(cookieValue(header, 'PHPSESSID')).toBe(expected);
  });
});
