import '../../web/a11y.css';
import type { DashboardView, HostRow, PausedRow, VmRow } from '../src/dashboardView.js';
import { h } from '../../web/dom.js';
import { okabeIto } from '../../web/palette.js';
import { formatCount, formatJain, formatRate, formatTime, formatWait } from './format.js';
import { readStream } from './stream.js';

// The service's dashboard: sign in with the token, then one Server-Sent Event stream (fetch, Authorization header)
// feeds every number. Rows and tiles are created once and only their text and bar widths change, so nothing moves.

const $ = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`#${id} is missing`);
  return element as T;
};

const root = document.documentElement;
// The bars' colours come from the colour-blind-safe palette the demo uses (Okabe and Ito).
root.style.setProperty('--running', okabeIto.blue);
root.style.setProperty('--queued', okabeIto.skyBlue);
root.style.setProperty('--broker', okabeIto.orange);
root.style.setProperty('--paused', okabeIto.vermillion);

const login = $<HTMLFormElement>('login');
const tokenInput = $<HTMLInputElement>('token');
const loginError = $('login-error');
const dashboard = $('dashboard');
const signOutButton = $<HTMLButtonElement>('sign-out');
const connection = $('connection');
const connectionText = $('connection-text');
const updated = $('updated');
const searchInput = $<HTMLInputElement>('search');
const limitSelect = $<HTMLSelectElement>('limit');
const previousButton = $<HTMLButtonElement>('previous');
const nextButton = $<HTMLButtonElement>('next');
const pageText = $('page-text');
const hostRows = $('host-rows');
const vmTitle = $('vms-title');
const vmHelp = $('vms-help');
const vmRows = $('vm-rows');
const pausedRows = $('paused-rows');
const pausedNone = $('paused-none');
const pausedCount = $('paused-count');

// --- state --------------------------------------------------------------------------------------------------

/** The token, in memory only: never in a URL, a cookie or storage. */
let token: string | undefined;
const query = { limit: 20, offset: 0, search: '', host: '' };
let generation = 0;
let controller: AbortController | undefined;
let latest: DashboardView | undefined;

function streamUrl(): string {
  const params = new URLSearchParams({ limit: String(query.limit), offset: String(query.offset) });
  if (query.search !== '') params.set('search', query.search);
  if (query.host !== '') params.set('host', query.host);
  return `./dashboard/stream?${params}`;
}

function setConnection(state: 'signed-out' | 'connecting' | 'live' | 'reconnecting', text: string): void {
  connection.dataset['state'] = state;
  if (connectionText.textContent !== text) connectionText.textContent = text;
}

/** (Re)opens the stream for the current query; a previous one is aborted. Reconnects with backoff on failures. */
function restart(): void {
  controller?.abort();
  const mine = ++generation;
  const current = new AbortController();
  controller = current;
  void (async () => {
    let delay = 1000;
    while (mine === generation && token !== undefined) {
      const end = await readStream(streamUrl(), token, current.signal, (view) => {
        if (mine !== generation) return;
        delay = 1000;
        show(view);
      });
      if (mine !== generation) return;
      if (end.kind === 'refused') {
        signOut(
          end.status === 401
            ? 'The service asked for a token (401).'
            : 'That token was refused (403). Check it and try again.',
        );
        return;
      }
      setConnection('reconnecting', `Reconnecting… (${end.reason})`);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  })();
}

function signOut(reason = ''): void {
  token = undefined;
  generation++;
  controller?.abort();
  latest = undefined;
  dashboard.hidden = true;
  login.hidden = false;
  signOutButton.hidden = true;
  loginError.textContent = reason;
  updated.textContent = '';
  setConnection('signed-out', 'Signed out');
  tokenInput.focus();
}

login.addEventListener('submit', (event) => {
  event.preventDefault();
  const value = tokenInput.value.trim();
  if (value === '') {
    loginError.textContent = 'Enter the access token.';
    return;
  }
  token = value;
  loginError.textContent = '';
  setConnection('connecting', 'Connecting…');
  restart();
});

signOutButton.addEventListener('click', () => signOut());

// --- controls -----------------------------------------------------------------------------------------------

let searchTimer: ReturnType<typeof setTimeout> | undefined;
searchInput.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => {
    query.search = searchInput.value.trim();
    query.offset = 0;
    restart();
  }, 250);
});

limitSelect.addEventListener('change', () => {
  query.limit = Number(limitSelect.value);
  query.offset = 0;
  buildRows(query.limit);
  restart();
});

previousButton.addEventListener('click', () => {
  query.offset = Math.max(0, query.offset - query.limit);
  restart();
});
nextButton.addEventListener('click', () => {
  query.offset += query.limit;
  restart();
});

// --- tiles --------------------------------------------------------------------------------------------------

interface Tile {
  readonly value: HTMLElement;
  readonly note: HTMLElement;
}

const tileSpecs = [
  ['rate', 'Events/s'],
  ['active', 'Running'],
  ['queued', 'Queued'],
  ['in-broker', 'In broker'],
  ['done', 'Done'],
  ['dead-lettered', 'Dead-lettered'],
  ['fairness', 'Fairness (Jain)'],
  ['paused', 'Paused'],
] as const;
type TileKey = (typeof tileSpecs)[number][0];

const tiles = new Map<TileKey, Tile>();
for (const [key, label] of tileSpecs) {
  const value = h('span', { class: 'tile-value', 'data-testid': `tile-${key}` }, '–');
  const note = h('span', { class: 'tile-note' }, '\u00a0');
  $('tiles').append(h('div', { class: 'tile' }, h('dt', {}, label), h('dd', {}, value, note)));
  tiles.set(key, { value, note });
}

function setTile(key: TileKey, value: number | null, text: string, note: string): void {
  const tile = tiles.get(key) as Tile;
  setText(tile.value, text);
  tile.value.dataset['value'] = value === null ? '' : String(value);
  setText(tile.note, note === '' ? '\u00a0' : note);
}

function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

// --- host rows ----------------------------------------------------------------------------------------------

interface Row {
  readonly tr: HTMLTableRowElement;
  readonly button: HTMLButtonElement;
  readonly badge: HTMLElement;
  readonly brokerBar: HTMLElement;
  readonly queuedBar: HTMLElement;
  readonly activeBar: HTMLElement;
  readonly active: HTMLElement;
  readonly queued: HTMLElement;
  readonly inBroker: HTMLElement;
  readonly rate: HTMLElement;
  readonly p50: HTMLElement;
  readonly p99: HTMLElement;
}

let rows: Row[] = [];

/** A fixed number of rows (the page size): empty ones keep their height, so the table never changes size. */
function buildRows(count: number): void {
  hostRows.replaceChildren();
  rows = [];
  for (let i = 0; i < count; i++) {
    const button = h('button', {
      type: 'button',
      class: 'host-button',
      'aria-pressed': 'false',
      'data-testid': 'host-button',
    });
    button.addEventListener('click', () => {
      const host = button.dataset['host'] ?? '';
      query.host = query.host === host ? '' : host;
      restart();
      if (query.host !== '') vmTitle.textContent = `VMs of ${host}`;
    });
    const badge = h('span', { class: 'badge', 'data-testid': 'host-badge' });
    const brokerBar = h('span', { class: 'layer layer-broker' });
    const queuedBar = h('span', { class: 'layer layer-queued' });
    const activeBar = h('span', { class: 'layer layer-active' });
    const number = (testId: string) => h('span', { 'data-testid': testId, class: 'n' });
    const active = number('active');
    const queued = number('queued');
    const inBroker = number('in-broker');
    const rate = number('rate');
    const p50 = number('p50');
    const p99 = number('p99');
    const tr = h(
      'tr',
      { class: 'host-row empty', role: 'row', 'data-testid': 'host-row' },
      h('td', { class: 'host-cell', role: 'cell' }, button, badge),
      h(
        'td',
        { class: 'bar-cell', role: 'cell' },
        h('span', { class: 'bar', 'aria-hidden': 'true' }, brokerBar, queuedBar, activeBar),
        h(
          'span',
          { class: 'bar-numbers' },
          active,
          h('span', { class: 'sep' }, ' running · '),
          queued,
          h('span', { class: 'sep' }, ' queued · '),
          inBroker,
          h('span', { class: 'sep' }, ' in broker'),
        ),
      ),
      h('td', { class: 'num', role: 'cell', 'data-label': 'events/s' }, rate),
      h('td', { class: 'num', role: 'cell', 'data-label': 'p50' }, p50),
      h('td', { class: 'num', role: 'cell', 'data-label': 'p99' }, p99),
    );
    hostRows.append(tr);
    rows.push({ tr, button, badge, brokerBar, queuedBar, activeBar, active, queued, inBroker, rate, p50, p99 });
  }
}

function setNumber(element: HTMLElement, value: number | null, text: string): void {
  setText(element, text);
  element.dataset['value'] = value === null ? '' : String(value);
}

function showRow(row: Row, host: HostRow | undefined, scale: number): void {
  row.tr.classList.toggle('empty', host === undefined);
  if (host === undefined) {
    row.button.hidden = true;
    row.button.dataset['host'] = '';
    delete row.tr.dataset['host'];
    for (const element of [row.badge, row.active, row.queued, row.inBroker, row.rate, row.p50, row.p99])
      setNumber(element, null, '');
    for (const bar of [row.brokerBar, row.queuedBar, row.activeBar]) bar.style.width = '0';
    return;
  }
  row.button.hidden = false;
  row.tr.dataset['host'] = host.host;
  row.button.dataset['host'] = host.host;
  setText(row.button, host.host);
  const selected = query.host === host.host;
  row.button.setAttribute('aria-pressed', String(selected));
  row.tr.classList.toggle('selected', selected);
  // The badge's pause mark comes from CSS; the words say it all without it (and without colour).
  const badge =
    host.state !== 'ACTIVE'
      ? host.state
      : host.pausedVms > 0
        ? `${host.pausedVms} VM${host.pausedVms === 1 ? '' : 's'} paused`
        : '';
  setText(row.badge, badge);
  row.badge.dataset['state'] = host.state;
  row.tr.classList.toggle('paused', host.state !== 'ACTIVE');
  const broker = host.inBroker ?? 0;
  // All three layers start at the left edge and only grow or shrink: widths change, positions never do.
  row.activeBar.style.width = `${(100 * host.active) / scale}%`;
  row.queuedBar.style.width = `${(100 * (host.active + host.queued)) / scale}%`;
  row.brokerBar.style.width = `${(100 * (host.active + host.queued + broker)) / scale}%`;
  setNumber(row.active, host.active, formatCount(host.active));
  setNumber(row.queued, host.queued, formatCount(host.queued));
  setNumber(row.inBroker, host.inBroker, host.inBroker === null ? '–' : formatCount(host.inBroker));
  setNumber(row.rate, host.rate, formatRate(host.rate));
  // End to end (publish to dispatch) when the producer stamped its events; the part in the scheduler otherwise.
  const waits = host.endToEnd ?? host.waits;
  setNumber(row.p50, waits?.p50 ?? null, formatWait(waits?.p50));
  setNumber(row.p99, waits?.p99 ?? null, formatWait(waits?.p99));
}

// --- side panels --------------------------------------------------------------------------------------------

function vmItem(vm: VmRow): HTMLLIElement {
  const state = vm.state === 'ACTIVE' ? '' : vm.state;
  const parked = vm.parked === null ? '' : ` · ${formatCount(vm.parked)} parked`;
  return h(
    'li',
    {
      class: vm.state === 'ACTIVE' ? 'vm' : 'vm paused',
      'data-testid': 'vm-row',
      'data-vm': vm.vm,
      'data-state': vm.state,
    },
    h('span', { class: 'vm-name' }, vm.vm),
    h('span', { class: 'badge' }, state),
    h('span', { class: 'vm-numbers' }, `${formatCount(vm.active)} running · ${formatCount(vm.queued)} queued${parked}`),
  );
}

function pausedItem(row: PausedRow): HTMLLIElement {
  const what = row.vm === null ? `${row.host} (whole host)` : `${row.host} / ${row.vm}`;
  const parked = row.parked === null ? '' : `${formatCount(row.parked)} parked in the broker`;
  return h(
    'li',
    { 'data-testid': 'paused-row', 'data-host': row.host, 'data-vm': row.vm ?? '', 'data-state': row.state },
    h('span', { class: 'badge' }, row.state),
    h('span', { class: 'paused-what' }, what),
    h('span', { class: 'paused-parked' }, parked),
  );
}

function sameItems(list: HTMLElement, keys: readonly string[]): boolean {
  return (
    list.children.length === keys.length &&
    keys.every((key, i) => (list.children[i] as HTMLElement).dataset['key'] === key)
  );
}

function showList<T>(
  list: HTMLElement,
  items: readonly T[],
  key: (item: T) => string,
  render: (item: T) => HTMLLIElement,
): void {
  const keys = items.map(key);
  const fresh = items.map((item, i) => {
    const li = render(item);
    li.dataset['key'] = keys[i] as string;
    return li;
  });
  if (sameItems(list, keys)) {
    // Same items: update their text in place (focus and scroll position stay).
    fresh.forEach((li, i) => {
      const old = list.children[i] as HTMLElement;
      if (old.textContent !== li.textContent || old.dataset['state'] !== li.dataset['state']) old.replaceWith(li);
    });
  } else {
    list.replaceChildren(...fresh);
  }
}

// --- one view -----------------------------------------------------------------------------------------------

function show(view: DashboardView): void {
  if (latest === undefined) {
    // The first view: the token works.
    login.hidden = true;
    dashboard.hidden = false;
    signOutButton.hidden = false;
    tokenInput.value = '';
  }
  latest = view;
  setConnection('live', view.consuming ? 'Live' : 'Live (the scheduler is not consuming)');
  setText(updated, `updated ${formatTime(view.at)}`);

  const { totals, fairness } = view;
  setTile('rate', totals.rate, formatRate(totals.rate), `${formatCount(totals.dispatched)} dispatched`);
  setTile('active', totals.active, formatCount(totals.active), `of ${formatCount(totals.concurrency)} slots`);
  setTile('queued', totals.queued, formatCount(totals.queued), `in the scheduler, ${formatCount(totals.hosts)} hosts`);
  setTile(
    'in-broker',
    totals.inBroker,
    totals.inBroker === null ? '–' : formatCount(totals.inBroker),
    view.brokerAt === null ? 'not read yet' : `as of ${formatTime(view.brokerAt)}`,
  );
  setTile('done', totals.done, formatCount(totals.done), `${formatCount(totals.retried)} retried`);
  setTile(
    'dead-lettered',
    totals.deadLettered,
    formatCount(totals.deadLettered),
    `${formatCount(totals.failed)} failed · ${formatCount(totals.malformed)} malformed`,
  );
  setTile(
    'fairness',
    fairness.jain,
    formatJain(fairness.jain),
    `${formatCount(fairness.busyHosts)} busy host${fairness.busyHosts === 1 ? '' : 's'}`,
  );
  setTile('paused', view.pausedCount, formatCount(view.pausedCount), 'hosts and VMs');

  // The server may have moved the page (hosts went away): follow it.
  query.offset = view.offset;
  const first = view.matched === 0 ? 0 : view.offset + 1;
  const last = view.offset + view.hosts.length;
  setText(
    pageText,
    view.matched === 0
      ? query.search === ''
        ? 'no hosts yet'
        : 'no host matches'
      : `${formatCount(first)}–${formatCount(last)} of ${formatCount(view.matched)}`,
  );
  previousButton.disabled = view.offset === 0;
  nextButton.disabled = last >= view.matched;

  let scale = 1;
  for (const host of view.hosts) scale = Math.max(scale, host.active + host.queued + (host.inBroker ?? 0));
  rows.forEach((row, i) => showRow(row, view.hosts[i], scale));

  if (view.selected === null) {
    setText(vmTitle, 'VMs');
    setText(vmHelp, 'Choose a host to list its VMs.');
    showList(vmRows, [], (vm: VmRow) => vm.vm, vmItem);
  } else {
    setText(vmTitle, `VMs of ${view.selected.host}`);
    const { vmCount, vms } = view.selected;
    setText(
      vmHelp,
      vmCount === 0
        ? 'Nothing queued, running or paused.'
        : vmCount > vms.length
          ? `The ${vms.length} busiest of ${formatCount(vmCount)}.`
          : `${formatCount(vmCount)} with work or paused.`,
    );
    showList(vmRows, vms, (vm) => vm.vm, vmItem);
  }

  setText(pausedCount, view.pausedCount === 0 ? '' : `(${formatCount(view.pausedCount)})`);
  pausedNone.hidden = view.pausedCount > 0;
  showList(pausedRows, view.paused, (row) => `${row.host}/${row.vm ?? ''}`, pausedItem);
}

buildRows(query.limit);
tokenInput.focus();
