// Wallets: a project's balance, reserved and available credit, its transactions (newest first) and reservations.
import { api, query, session } from './api.js';
import { h, table, money, time, showError } from './ui.js';

const SHOWN = 100;

export function mount(main, ctx) {
  const project = h('input', { id: 'wallet-project', value: ctx.params[0] ?? session.project, testid: 'wallet-project' });
  const cards = h('div', { class: 'cards', testid: 'wallet-cards' });
  const transactions = h('div', { testid: 'wallet-transactions' });
  const reservations = h('div', { testid: 'wallet-reservations' });
  const lookup = h('input', { id: 'reservation-id', placeholder: 'rsv-…', testid: 'reservation-id' });
  const found = h('div', { 'aria-live': 'polite' });

  // Transactions come oldest first, paged by cursor: keep what was read and ask only for what came after it.
  let seen = [], cursor = null, forProject = null;
  const refresh = async () => {
    const p = project.value.trim();
    if (!p) return;
    if (p !== forProject) { seen = []; cursor = null; forProject = p; }
    const wallet = (await api(`/api/v1/wallets/${encodeURIComponent(p)}`, { signal: ctx.signal })).data;
    for (let pages = 0; pages < 20; pages++) {
      const page = (await api(`/api/v1/wallets/${encodeURIComponent(p)}/transactions${query({ limit: 200, cursor })}`, { signal: ctx.signal })).data;
      const known = new Set(seen.map(t => t.id));
      seen.push(...page.transactions.filter(t => !known.has(t.id)));
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    if (seen.length > 1000) seen = seen.slice(-1000);
    cards.replaceChildren(
      card('Balance', money(wallet.balance, 6), 'wallet-balance'),
      card('Reserved', money(wallet.reserved, 6), 'wallet-reserved'),
      card('Available', money(wallet.available, 6), 'wallet-available'),
      card('Status', wallet.status, 'wallet-status'));
    const newest = [...seen].reverse().slice(0, SHOWN);
    transactions.replaceChildren(table([
      { title: 'When', value: t => time(t.timestamp) },
      { title: 'Type', value: t => t.type },
      { title: 'Amount', num: true, value: t => money(t.amount, 6) },
      { title: 'Balance after', num: true, value: t => money(t.balance_after, 6) },
      { title: 'Resource', value: t => t.resource_id ?? '' },
      { title: 'Description', value: t => t.description ?? '' },
    ], newest, t => ({ 'data-testid': 'transaction-row', 'data-type': t.type, 'data-resource-id': t.resource_id ?? '', 'data-amount': String(t.amount) })));
    // There is no route listing reservations: show the ones the journal names, newest first; look one up for its state.
    const ids = [...new Set([...seen].reverse().map(t => t.reservation_id).filter(Boolean))].slice(0, 20);
    reservations.replaceChildren(ids.length
      ? h('ul', {}, ids.map(id => h('li', {}, h('button', { type: 'button', class: 'secondary', onclick: () => { lookup.value = id; show(); } }, id))))
      : h('p', { class: 'muted' }, 'No reservation in the journal yet.'));
  };

  const show = async () => {
    try {
      const r = (await api(`/api/v1/reservations/${encodeURIComponent(lookup.value.trim())}`, { signal: ctx.signal })).data;
      found.replaceChildren(h('dl', { class: 'facts', testid: 'reservation' }, Object.entries(r).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v === null ? '—' : String(v))])));
    } catch (e) { showError(e); }
  };

  const form = h('form', { class: 'grid', 'aria-label': 'Wallet', novalidate: true },
    h('label', { for: project.id }, 'Project', project), h('button', { type: 'submit', testid: 'wallet-show' }, 'Show'));
  form.addEventListener('submit', (e) => { e.preventDefault(); session.setProject(project.value.trim()); refresh().catch(showError); });
  const lookupForm = h('form', { class: 'grid', 'aria-label': 'Reservation', novalidate: true },
    h('label', { for: lookup.id }, 'Reservation id', lookup), h('button', { type: 'submit' }, 'Look up'));
  lookupForm.addEventListener('submit', (e) => { e.preventDefault(); show(); });

  main.append(
    h('section', {}, h('h2', {}, 'Wallet'), form, cards),
    h('section', {}, h('h2', {}, 'Reservations'), reservations, lookupForm, found),
    h('section', {}, h('h2', {}, `Transactions (newest ${SHOWN})`), transactions));
  ctx.poll(refresh, 2000);
}

const card = (title, value, testid) => h('div', { class: 'card' }, h('div', { class: 'muted' }, title), h('div', { class: 'value', testid }, value));
