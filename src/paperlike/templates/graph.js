(function () {
  var data = JSON.parse(document.getElementById('graph-data').textContent);
  var nodes = {}; data.nodes.forEach(function (n) { nodes[n.id] = n; });
  var svg = document.getElementById('graph'), tip = document.getElementById('tip'), timer = null;
  function add(parent, tag, cls, text) {
    var el = document.createElement(tag); if (cls) el.className = cls;
    if (text) el.textContent = text; parent.appendChild(el); return el;
  }
  function focus(id) {
    var near = {}; near[id] = true;
    svg.querySelectorAll('.e').forEach(function (e) {
      var on = e.dataset.a === id || e.dataset.b === id;
      e.classList.toggle('on', on); if (on) { near[e.dataset.a] = true; near[e.dataset.b] = true; }
    });
    document.querySelectorAll('[data-node]').forEach(function (el) {
      el.classList.toggle('on', !!near[el.dataset.node] && (el.tagName !== 'LI' || el.dataset.node === id));
    });
    svg.classList.add('focus');
  }
  function unfocus() {
    svg.classList.remove('focus');
    document.querySelectorAll('.on').forEach(function (el) { el.classList.remove('on'); });
  }
  function show(id, x, y) {
    var n = nodes[id]; clearTimeout(timer); tip.textContent = '';
    add(tip, 'div', 't', n.title || n.label);
    add(tip, 'div', 'm', (n.rank ? 'neighbour ' + n.rank + ', cosine ' + n.score.toFixed(3) : 'the query') +
        (n.category ? ' · ' + n.category : ''));
    if (n.terms.length) add(tip, 'div', 'm', 'shares: ' + n.terms.join(', '));
    add(tip, 'div', 'm', n.versions.length ? 'versions: ' + [n.id].concat(n.versions).join(', ')
                                           : 'record ' + n.id);
    if (n.url) { var a = add(add(tip, 'div', 'm'), 'a', '', n.url); a.href = n.url; a.target = '_blank'; a.rel = 'noopener'; }
    tip.style.display = 'block';
    var w = tip.offsetWidth, h = tip.offsetHeight;
    tip.style.left = Math.max(4, Math.min(x + 14, innerWidth - w - 8)) + 'px';
    tip.style.top = Math.max(4, Math.min(y + 14, innerHeight - h - 8)) + 'px';
  }
  function hide() { timer = setTimeout(function () { tip.style.display = 'none'; unfocus(); }, 250); }
  document.querySelectorAll('.node, li[data-node]').forEach(function (el) {
    var title = el.querySelector(':scope > title'); if (title) title.remove();
    el.addEventListener('mouseenter', function (ev) {
      focus(el.dataset.node);
      if (el.tagName !== 'LI') show(el.dataset.node, ev.clientX, ev.clientY);
    });
    el.addEventListener('mouseleave', el.tagName === 'LI' ? unfocus : hide);
  });
  tip.addEventListener('mouseenter', function () { clearTimeout(timer); });
  tip.addEventListener('mouseleave', hide);
})();
