import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAppError } from '../core/index.ts';
import { dayNumber } from './day-table.ts';
import { lifeEventsFor, type SyntheticResident } from './index.ts';
import { TOWN, town, yearsBetween } from './town.test-util.ts';

const OPTIONS = { seed: 7, today: TOWN.today };

describe('lifeEventsFor', () => {
  const residents = town();
  const byId = new Map(residents.map((r) => [r.localId, r]));
  const events = lifeEventsFor(residents, OPTIONS);
  const ofKind = (kind: string): number =>
    events.filter((e) => e.event.kind === kind).length / residents.length;

  it('is deterministic for a seed', () => {
    assert.deepEqual(lifeEventsFor(residents, OPTIONS), events);
    assert.notDeepEqual(lifeEventsFor(residents, { ...OPTIONS, seed: 8 }), events);
  });

  it('dates every event after birth and move-in, never after today, in date order', () => {
    assert.ok(events.length > 0);
    let previous = '';
    for (const { localId, event } of events) {
      const r = byId.get(localId);
      assert.ok(r !== undefined, localId);
      assert.ok(dayNumber(event.effectiveDate) !== undefined, event.effectiveDate);
      assert.ok(event.effectiveDate > r.birthDate, `${localId} before birth`);
      if (r.movedInDate !== undefined)
        assert.ok(event.effectiveDate > r.movedInDate, `${localId} before move-in`);
      assert.ok(event.effectiveDate <= TOWN.today);
      assert.ok(event.effectiveDate >= previous, 'sorted by date');
      previous = event.effectiveDate;
    }
    assert.equal(new Set(events.map((e) => e.localId)).size, events.length, 'one event per resident');
  });

  it('moves about 5% of residents, whole households, to another address in the town', () => {
    assert.ok(ofKind('move') > 0.03 && ofKind('move') < 0.07, `moves ${ofKind('move')}`);
    const prefix = `${TOWN.prefecture}${TOWN.municipalityName}`;
    const perHousehold = new Map<string, string>();
    for (const { localId, event } of events) {
      if (event.kind !== 'move') continue;
      const r = byId.get(localId)!;
      assert.ok(event.changes.address.startsWith(prefix));
      assert.notEqual(event.changes.address, r.address);
      assert.match(event.changes.postalCode ?? '', /^\d{7}$/);
      const key = `${event.changes.address}|${event.effectiveDate}`;
      assert.equal(perHousehold.get(r.householdId) ?? key, key, 'a household moves together');
      perHousehold.set(r.householdId, key);
    }
  });

  it('changes about 1% of family names, of adults under 45, to a different name', () => {
    assert.ok(ofKind('name-change') > 0.005 && ofKind('name-change') < 0.015, `${ofKind('name-change')}`);
    for (const { localId, event } of events) {
      if (event.kind !== 'name-change') continue;
      const r = byId.get(localId)!;
      const age = yearsBetween(r.birthDate, event.effectiveDate);
      assert.ok(age >= 19 && age < 46, `age ${age}`);
      assert.notEqual(event.changes.familyName, r.familyName);
      assert.match(event.changes.familyNameKana ?? '', /^[\u30A1-\u30FC]+$/u);
    }
  });

  it('records about 1% deaths, mostly of the elderly', () => {
    const deaths = events.filter((e) => e.event.kind === 'death');
    assert.ok(ofKind('death') > 0.006 && ofKind('death') < 0.014, `${ofKind('death')}`);
    const old = deaths.filter((e) => yearsBetween(byId.get(e.localId)!.birthDate, TOWN.today) >= 70);
    assert.ok(old.length / deaths.length > 0.75);
  });

  it('skips residents with no room for an event and accepts a town without 丁目 addresses', () => {
    const r: SyntheticResident = {
      ...residents[0]!,
      birthDate: TOWN.today,
      movedInDate: TOWN.today,
    };
    assert.deepEqual(lifeEventsFor([r], OPTIONS), []);
    const plain = residents.slice(0, 500).map((x) => ({ ...x, address: '群馬県みどり市大字山田100' }));
    assert.ok(lifeEventsFor(plain, OPTIONS).every((e) => e.event.kind !== 'move'));
  });

  it('rejects a bad today with DEMO_INVALID_OPTIONS', () => {
    assert.throws(
      () => lifeEventsFor(residents, { seed: 1, today: '2025-13-01' }),
      (e: unknown) => isAppError(e) && e.code === 'DEMO_INVALID_OPTIONS',
    );
  });
});
