() => {
  // What the page does that the server cannot: the honest states of a question (answering,
  // queued, not answered), keeping typed text, copy as Markdown, [n] chips, scrolling inside
  // the chat. Served inline with the page (serve/launch.py reads this file); it makes no requests.
  // A question is "pending" (sessionStorage) from send until its answer is shown: if the answer
  // never arrives, even across the reload Gradio does on a lost connection, the question goes
  // back in the box with a note and Retry.
  const PENDING = 'k2chat-pending';
  const $ = s => document.querySelector(s);
  const box = () => $('#k2chat-input textarea');
  const limit = () => Number($('#k2chat-counter')?.dataset.limit || 2000);
  const near = () => Math.floor(limit() * 0.8);  // the counter shows from 80 % of the limit
  const K = window.k2chat = {};
  let inflight = null;  // the question whose answer is on its way
  let queued = null;  // a question sent meanwhile: Gradio sends it once that answer is in
  // When the reader last asked and last opened a quote: a quote opened while the answer was
  // arriving (Gradio draws the reply before its success hook runs) is not scrolled away.
  let askedAt = 0;
  let quotedAt = -1;

  const setBox = value => {
    const b = box();
    if (!b) return;
    b.value = value;
    b.dispatchEvent(new Event('input', {bubbles: true}));
  };
  const note = shown => $('#k2chat-error')?.classList.toggle('k2-hidden', !shown);

  // The question as a bubble at once, with its state, under the conversation.
  const renderPending = () => {
    const area = $('#k2chat-pending');
    if (!area) return;
    area.replaceChildren();
    for (const [text, state, label] of [
      [inflight, 'answering', 'Answering…'],
      [queued, 'queued', 'Queued: sent once the answer above arrives.']]) {
      if (text === null) continue;
      const item = document.createElement('div');
      item.className = `k2-pending k2-${state}`;
      const words = document.createElement('p');
      words.className = 'k2-pending-text';
      words.textContent = text.length > limit() ? text.slice(0, limit()) + '…' : text;
      const status = document.createElement('p');
      status.className = 'k2-pending-state';
      status.textContent = label;
      item.append(words, status);
      area.append(item);
    }
    area.classList.toggle('k2-hidden', !area.childElementCount);
  };

  K.send = (q, t) => {
    note(false);
    if (!(q || '').trim()) {
      // A Send pressed while the page was putting a kept question back sends that question,
      // never an empty one in its place.
      const kept = sessionStorage.getItem(PENDING);
      if (kept && !inflight) { q = kept; setBox(kept); }
    }
    if ((q || '').trim()) {
      askedAt = performance.now();
      sessionStorage.setItem(PENDING, q);
      inflight = q;
      queued = null;
      renderPending();
    }
    return [q, t];
  };
  // The answer is shown: the question leaves the box if the box still holds it (what was typed
  // meanwhile stays; an over-limit text stays too, to be shortened).
  K.shown = () => {
    if (inflight === null) return;  // an empty send: nothing was asked
    const b = box();
    if (b && b.value === inflight && inflight.length <= limit()) setBox('');
    sessionStorage.removeItem(PENDING);
    inflight = null;
    renderPending();
    if (quotedAt < askedAt) K.showLatest();
  };
  K.failed = () => {
    note(true);
    const kept = sessionStorage.getItem(PENDING);
    const b = box();
    if (b && kept && !b.value) setBox(kept);
    inflight = null;
    queued = null;
    renderPending();
    $('#k2chat-retry')?.focus({preventScroll: true});
  };
  K.cleared = () => {
    note(false);
    sessionStorage.removeItem(PENDING);
    inflight = null;
    queued = null;
    renderPending();
  };
  // A question sent while an answer is on its way waits (trigger_mode "always_last"): say so.
  const maybeQueued = () => {
    const b = box();
    if (inflight !== null && b && b.value.trim() && b.value !== inflight) {
      queued = b.value;
      renderPending();
    }
  };
  // An empty box sends nothing (no event at all, so no answer is taken for one), unless
  // a kept question is waiting to go back in it: then that question is sent.
  const blankSend = ev => {
    const b = box();
    if (!b || b.value.trim()) return false;
    const kept = sessionStorage.getItem(PENDING);
    if (kept && inflight === null) { setBox(kept); return false; }
    ev.preventDefault();
    ev.stopImmediatePropagation();
    return true;
  };
  document.addEventListener('keydown', ev => {
    if (ev.key !== 'Enter' || ev.shiftKey || ev.target !== box()) return;
    if (!blankSend(ev)) maybeQueued();
  }, true);
  document.addEventListener('click', ev => {
    if (!(ev.target.closest && ev.target.closest('#k2chat-input button'))) return;
    if (!blankSend(ev)) maybeQueued();
  }, true);

  // The chat scrolls inside itself to the newest question; the window never moves.
  K.showLatest = () => {
    const users = document.querySelectorAll('#k2chat-chatbot .message-row.user-row');
    const last = users[users.length - 1];
    const wrap = last && last.closest('.bubble-wrap');
    if (!wrap) return;
    wrap.scrollTop += last.getBoundingClientRect().top - wrap.getBoundingClientRect().top;
  };
  K.restored = () => {
    // After a reload the chat opens at its latest question (once Gradio has drawn it), unless
    // the reader has already asked or opened a quote: on a busy machine the load's restore can
    // finish after the first question, and scrolling then took the reader's quote away.
    let tries = 0;
    const at = setInterval(() => {
      if (askedAt > 0 || quotedAt >= 0) { clearInterval(at); return; }
      if (document.querySelector('#k2chat-chatbot .message-row.user-row') || ++tries > 50) {
        clearInterval(at);
        K.showLatest();
      }
    }, 100);
  };

  // A question the server never received (it is down or restarting): Gradio waits to reconnect
  // and fires no failure, so the page says so itself rather than "Answering…" for ever. A
  // request that failed while the server still answers is Gradio's to retry or report.
  const fetched = window.fetch;
  window.fetch = function (input, init) {
    const sent = fetched.apply(this, arguments);
    const url = typeof input === 'string' ? input : (input && input.url) || '';
    if (url.includes('/queue/join')) {
      sent.catch(() => {
        fetched(url.split('/queue/join')[0] + '/app_id', {cache: 'no-store'})
          .then(() => {}, () => { if (inflight !== null) K.failed(); });
      });
    }
    return sent;
  };

  // A question left pending by the page before this load (it reloaded while waiting) is back
  // in the box with the note, once the box is there; not one sent since.
  const keptAtLoad = sessionStorage.getItem(PENDING);
  const waitForBox = setInterval(() => {
    if (!box()) return;
    clearInterval(waitForBox);
    if (keptAtLoad && inflight === null) K.failed();
  }, 100);

  // Copy gives the turn's Markdown (Answer.to_markdown(), kept by the server in the turn's
  // last message), not the HTML of its source cards.
  document.addEventListener('click', ev => {
    const button = ev.target.closest && ev.target.closest(
      "#k2chat-chatbot button[aria-label='Copy message'], #k2chat-chatbot button[aria-label='Copied message']");
    const bar = button && button.closest('.message-buttons');  // follows its message row
    const row = bar ? bar.previousElementSibling : button && button.closest('.message-row');
    const source = row && row.querySelector('.k2-md');
    if (!source) return;
    ev.preventDefault();
    ev.stopImmediatePropagation();
    const markdown = decodeURIComponent(source.title);
    const done = () => {
      button.setAttribute('aria-label', 'Copied message');
      button.dataset.k2copied = '1';
      setTimeout(() => {
        button.setAttribute('aria-label', 'Copy message');
        delete button.dataset.k2copied;
      }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(markdown).then(done, () => {});
    } else {
      const area = document.createElement('textarea');
      area.value = markdown;
      document.body.append(area);
      area.select();
      document.execCommand('copy');
      area.remove();
      done();
    }
  }, true);

  // [n] markers become buttons that open their source card, scroll the quote into view and
  // highlight it; votes say which one is chosen (aria-pressed).
  const decorate = () => {
    document.querySelectorAll('#k2chat-chatbot .message-row.bot-row').forEach(row => {
      const body = row.querySelector('.message .prose');
      if (!body || body.dataset.k2chips || !row.querySelector('.k2-card')) return;
      body.dataset.k2chips = '1';
      const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
      const nodes = [];
      while (walker.nextNode()) nodes.push(walker.currentNode);
      nodes.forEach(node => {
        if (!/\[\d+\]/.test(node.nodeValue)) return;
        const frag = document.createDocumentFragment();
        node.nodeValue.split(/(\[\d+\])/).forEach(part => {
          const m = part.match(/^\[(\d+)\]$/);
          const card = m && row.querySelector(`.k2-card[id$="-${m[1]}"]`);
          if (!card) { frag.appendChild(document.createTextNode(part)); return; }
          const chip = document.createElement('button');
          chip.type = 'button'; chip.className = 'k2-chip'; chip.textContent = part;
          const where = card.querySelector('summary').textContent.trim();
          chip.title = where;
          chip.setAttribute('aria-label', `Source ${where}`);
          chip.addEventListener('click', ev => {
            ev.stopPropagation();
            card.open = true;
            K.showQuote(card);
            card.querySelector('summary').focus({preventScroll: true});
          });
          frag.appendChild(chip);
        });
        node.replaceWith(frag);
      });
    });
    document.querySelectorAll('#k2chat-chatbot .k2-card:not([data-k2card])').forEach(card => {
      card.dataset.k2card = '1';
      card.addEventListener('toggle', () => { if (card.open) K.showQuote(card); });
    });
    // Gradio names a chosen vote "Liked" / "Disliked"; say it is pressed, too.
    document.querySelectorAll('#k2chat-chatbot button[aria-label$="ike"], ' +
      '#k2chat-chatbot button[aria-label$="iked"]').forEach(b => {
      const label = b.getAttribute('aria-label');
      if (!/^(Dis)?liked?$/i.test(label)) return;
      const pressed = String(label.endsWith('d'));
      if (b.getAttribute('aria-pressed') !== pressed) b.setAttribute('aria-pressed', pressed);
    });
  };
  // The quote inside an open card: scrolled into view within the chat, and flashed.
  K.showQuote = card => {
    quotedAt = performance.now();
    const mark = card.querySelector('mark') || card;
    const wrap = card.closest('.bubble-wrap');
    if (wrap) {
      const top = mark.getBoundingClientRect().top - wrap.getBoundingClientRect().top;
      if (top < 0 || top > wrap.clientHeight - 40) wrap.scrollTop += top - wrap.clientHeight / 3;
    }
    card.classList.add('k2-flash');
    setTimeout(() => card.classList.remove('k2-flash'), 1500);
  };
  new MutationObserver(decorate).observe(document.body, {childList: true, subtree: true,
    attributes: true, attributeFilter: ['aria-label']});

  // Dark mode: the visitor's choice (kept across reloads), else the system's, as Gradio does
  // (an explicit ?__theme= in the address wins, as it does for Gradio).
  const THEME = 'k2chat-theme';
  const systemDark = window.matchMedia('(prefers-color-scheme: dark)');
  const chosen = () => {
    const asked = new URL(location.href).searchParams.get('__theme');
    if (asked === 'dark' || asked === 'light') return asked;
    const kept = localStorage.getItem(THEME);
    return kept === 'dark' || kept === 'light' ? kept : (systemDark.matches ? 'dark' : 'light');
  };
  const applyTheme = mode => {
    document.body.classList.toggle('dark', mode === 'dark');
    $('#k2chat-theme')?.setAttribute('aria-pressed', String(mode === 'dark'));
  };
  K.toggleTheme = () => {
    const mode = document.body.classList.contains('dark') ? 'light' : 'dark';
    localStorage.setItem(THEME, mode);
    const url = new URL(location.href);
    if (url.searchParams.has('__theme')) {  // the address would undo the choice on reload
      url.searchParams.delete('__theme');
      history.replaceState(history.state, '', url.toString());
    }
    applyTheme(mode);
  };
  systemDark.addEventListener('change', () => applyTheme(chosen()));  // after Gradio's own
  document.addEventListener('click', ev => {
    if (ev.target.closest && ev.target.closest('#k2chat-theme')) K.toggleTheme();
  });
  const waitForToggle = setInterval(() => {
    if (!$('#k2chat-theme')) return;
    clearInterval(waitForToggle);
    applyTheme(chosen());
  }, 50);

  const counter = () => {
    const b = box();
    const line = $('#k2chat-counter');
    if (!b || !line) return;
    const n = b.value.length, max = limit();
    line.classList.toggle('k2-over', n > max);
    line.textContent = n > max ? `${n} / ${max} characters: too long by ${n - max}.`
      : n >= near() ? `${n} / ${max} characters` : '';
  };
  document.addEventListener('input', counter, true);
  setInterval(counter, 1000);
}
