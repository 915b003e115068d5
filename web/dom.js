// Small DOM helpers shared by the page's modules: building elements, short hashes, explorer links
// with a copy button, and buttons that are disabled with a reason yet stay reachable by keyboard.

export const $ = (id) => document.getElementById(id);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

export function short(hex) {
  return `${hex.slice(0, 6)}…${hex.slice(-4)}`;
}

/** Copy `text` to the clipboard (the Clipboard API, else a hidden textarea); resolves to whether it worked. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = el('textarea', { class: 'sr-only', 'aria-hidden': 'true' });
    area.value = text;
    document.body.append(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch { ok = false; }
    area.remove();
    return ok;
  }
}

/** A small "Copy" button for `value`, named for screen readers ("Copy transaction hash 0x…"). */
export function copyButton(value, what) {
  const button = el('button', { type: 'button', class: 'copy', 'aria-label': `Copy ${what} ${value}`, title: `Copy ${what}`, text: 'Copy' });
  button.addEventListener('click', async () => {
    const ok = await copyText(value);
    button.textContent = ok ? 'Copied' : 'Copy failed';
    button.dataset.copied = ok ? 'true' : 'false';
    setTimeout(() => { button.textContent = 'Copy'; delete button.dataset.copied; }, 2000);
  });
  return button;
}

/**
 * A transaction hash or address: a link to the network's explorer when the page config names one
 * (none for local chains), else the short form in monospace with the full value as its title;
 * always with a copy button.
 */
export function chainLink(config, kind, value) {
  const base = config?.explorer;
  const what = kind === 'tx' ? 'transaction hash' : 'address';
  const label = () => [el('span', { class: 'sr-only', text: kind === 'tx' ? 'Transaction ' : 'Address ' }), short(value)];
  const shown = base
    ? el('a', { href: `${base.replace(/\/$/, '')}/${kind === 'tx' ? 'tx' : 'address'}/${value}`, rel: 'noopener noreferrer', target: '_blank', class: 'mono', title: `View on the explorer: ${value}` }, ...label())
    : el('span', { class: 'mono', title: value }, ...label());
  return el('span', { class: `${kind === 'tx' ? 'tx' : 'addr'} small` }, shown, copyButton(value, what));
}

let reasonCount = 0;

/**
 * Keep a disabled button reachable: `aria-disabled` instead of `disabled`, and the reason read out
 * through aria-describedby (a visually hidden note after the button). Clicks on it are blocked by
 * `blockDisabledClicks`.
 */
export function disableWithReason(button, reason) {
  button.disabled = false;
  button.setAttribute('aria-disabled', 'true');
  let note = button.nextElementSibling?.classList.contains('reason') ? button.nextElementSibling : null;
  if (!note) {
    reasonCount += 1;
    note = el('span', { class: 'reason sr-only', id: `reason-${reasonCount}` });
    button.after(note);
  }
  note.textContent = reason;
  button.setAttribute('aria-describedby', note.id);
}

/** Turn every natively disabled button under `root` (outside dialogs) into a reachable one, now and on every change.
 *  For lists rendered anew each time (the catalog): a button re-enabled in place would stay aria-disabled. */
export function keepDisabledReachable(root) {
  const fix = () => {
    for (const button of root.querySelectorAll('button[disabled]')) {
      if (!button.closest('dialog')) disableWithReason(button, button.dataset.reason || button.textContent.trim());
    }
  };
  new MutationObserver(fix).observe(root, { subtree: true, childList: true, attributes: true, attributeFilter: ['disabled'] });
  fix();
}

/** Clicks and Enter/Space on an aria-disabled button do nothing (its own handlers never run). */
export function blockDisabledClicks() {
  document.addEventListener('click', (e) => {
    if (e.target.closest?.('[aria-disabled="true"]')) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);
}
