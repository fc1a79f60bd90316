// Make the neighbourhood drawing of an entity page explorable: choosing a node (click, or
// Tab to it and press Enter or Space) fetches its neighbours from /neighbours and adds them.
// Without this script the drawing is a static SVG of links.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var WIDTH = 720, HEIGHT = 460, MAX_NODES = 150, STEPS = 220;

  function svg(tag, attributes, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, String(attributes[name])); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function shorten(label) { return label.length > 28 ? label.slice(0, 27) + "…" : label; }

  function Drawing(figure) {
    this.figure = figure;
    this.lang = figure.dataset.lang;
    this.nodes = new Map();   // iri -> {iri, label, href, x, y, vx, vy, expanded}
    this.edges = new Map();   // "source|property|target" -> edge
    this.selected = null;
  }

  Drawing.prototype.url = function (iri) {
    var params = new URLSearchParams({ iri: iri });
    if (this.lang && this.lang !== "nl") params.set("lang", this.lang);
    return "/neighbours?" + params.toString();
  };

  Drawing.prototype.start = function () {
    var self = this;
    this.svg = svg("svg", { viewBox: "0 0 " + WIDTH + " " + HEIGHT, class: "graph-svg", role: "group", "aria-label": this.figure.querySelector("title").textContent });
    this.edgeLayer = svg("g", { class: "edges" });
    this.nodeLayer = svg("g", { class: "nodes" });
    this.svg.append(this.edgeLayer, this.nodeLayer);
    this.panel = document.createElement("div");
    this.panel.className = "graph-panel";
    this.panel.setAttribute("aria-live", "polite");
    this.status = document.createElement("span");
    this.open = document.createElement("a");
    this.open.id = "graph-open";
    this.panel.append(this.status, this.open);
    return fetch(this.figure.dataset.neighbours).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    }).then(function (data) {
      self.figure.querySelector("svg").replaceWith(self.svg);
      self.figure.insertBefore(self.panel, self.figure.querySelector("figcaption"));
      self.add(data, null);
      var centre = self.nodes.get(data.centre);
      centre.expanded = true;
      centre.fixed = true;
      centre.x = WIDTH / 2; centre.y = HEIGHT / 2;
      self.layout();
      self.render();
      self.select(centre);
      self.figure.classList.add("is-interactive");
    }).catch(function () { /* keep the static drawing */ });
  };

  Drawing.prototype.add = function (data, around) {
    var self = this;
    data.nodes.forEach(function (node, index) {
      if (self.nodes.has(node.iri) || self.nodes.size >= MAX_NODES) return;
      var angle = (2 * Math.PI * index) / Math.max(data.nodes.length, 1);
      var cx = around ? around.x : WIDTH / 2, cy = around ? around.y : HEIGHT / 2;
      self.nodes.set(node.iri, {
        iri: node.iri, label: node.label, href: node.href,
        x: cx + 120 * Math.cos(angle), y: cy + 90 * Math.sin(angle), vx: 0, vy: 0, expanded: false,
      });
    });
    data.edges.forEach(function (edge) {
      if (!self.nodes.has(edge.source) || !self.nodes.has(edge.target)) return;
      self.edges.set(edge.source + "|" + edge.property + "|" + edge.target, edge);
    });
  };

  // A few hundred steps of a plain force layout: springs along edges, repulsion between nodes.
  Drawing.prototype.layout = function () {
    var nodes = Array.from(this.nodes.values());
    var edges = Array.from(this.edges.values());
    var self = this;
    for (var step = 0; step < STEPS; step++) {
      var cooling = 1 - step / STEPS;
      for (var i = 0; i < nodes.length; i++) {
        for (var j = i + 1; j < nodes.length; j++) {
          var a = nodes[i], b = nodes[j];
          var dx = a.x - b.x, dy = a.y - b.y;
          var d2 = Math.max(dx * dx + dy * dy, 25);
          var force = 6000 / d2;
          var d = Math.sqrt(d2);
          a.vx += (dx / d) * force; a.vy += (dy / d) * force;
          b.vx -= (dx / d) * force; b.vy -= (dy / d) * force;
        }
      }
      edges.forEach(function (edge) {
        var s = self.nodes.get(edge.source), t = self.nodes.get(edge.target);
        var dx = t.x - s.x, dy = t.y - s.y;
        var d = Math.max(Math.sqrt(dx * dx + dy * dy), 1);
        var pull = (d - 120) * 0.02;
        s.vx += (dx / d) * pull; s.vy += (dy / d) * pull;
        t.vx -= (dx / d) * pull; t.vy -= (dy / d) * pull;
      });
      nodes.forEach(function (n) {
        if (!n.fixed) {
          n.vx += (WIDTH / 2 - n.x) * 0.002; n.vy += (HEIGHT / 2 - n.y) * 0.002;
          n.x += Math.max(-20, Math.min(20, n.vx)) * cooling;
          n.y += Math.max(-20, Math.min(20, n.vy)) * cooling;
        }
        n.vx *= 0.5; n.vy *= 0.5;
        n.x = Math.max(30, Math.min(WIDTH - 30, n.x));
        n.y = Math.max(20, Math.min(HEIGHT - 30, n.y));
      });
    }
  };

  Drawing.prototype.render = function () {
    var self = this;
    this.edgeLayer.replaceChildren();
    this.nodeLayer.replaceChildren();
    this.edges.forEach(function (edge) {
      var s = self.nodes.get(edge.source), t = self.nodes.get(edge.target);
      var line = svg("line", { x1: s.x.toFixed(1), y1: s.y.toFixed(1), x2: t.x.toFixed(1), y2: t.y.toFixed(1), class: "edge" });
      line.append(svg("title", {}, s.label + " — " + edge.label + " → " + t.label));
      self.edgeLayer.append(line);
    });
    this.nodes.forEach(function (node) {
      var group = svg("g", {
        class: "node" + (node.expanded ? " is-expanded" : "") + (node.fixed ? " is-centre" : ""),
        tabindex: 0, role: "button", "data-iri": node.iri,
        "aria-label": node.label + (node.expanded ? "" : " — " + self.figure.dataset.expandLabel),
      });
      group.append(svg("circle", { cx: node.x.toFixed(1), cy: node.y.toFixed(1), r: node.fixed ? 13 : 9 }));
      group.append(svg("text", { x: node.x.toFixed(1), y: (node.y + 24).toFixed(1), "text-anchor": "middle" }, shorten(node.label)));
      group.addEventListener("click", function () { self.choose(node); });
      group.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); self.choose(node); }
      });
      self.nodeLayer.append(group);
    });
    this.figure.dataset.nodes = String(this.nodes.size);
  };

  Drawing.prototype.select = function (node) {
    this.selected = node;
    this.status.textContent = node.label + " · " + this.nodes.size + " ";
    this.open.textContent = this.figure.dataset.openLabel;
    this.open.href = node.href;
  };

  Drawing.prototype.choose = function (node) {
    var self = this;
    this.select(node);
    if (node.expanded) return Promise.resolve();
    node.expanded = true;
    return fetch(this.url(node.iri)).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data) {
        self.add(data, node);
        self.layout();
      }
      self.render();
      self.select(node);
      var again = self.nodeLayer.querySelector('[data-iri="' + CSS.escape(node.iri) + '"]');
      if (again) again.focus();
    });
  };

  document.addEventListener("DOMContentLoaded", function () {
    var figure = document.getElementById("graph-drawing");
    if (figure && window.fetch) new Drawing(figure).start();
  });
})();
