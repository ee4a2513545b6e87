// @ts-check
// convkit stack editor: one line of proposals ("to get 14 here, use one of: Conv2D(…) · …").
//
// Every word comes from Python (convkit.render.words: proposal_intro, proposal_label, proposal_aria). Each
// proposal is a native <button> (Tab reaches it, Enter or Space presses it) with an aria-label saying which layer
// it replaces; a press sends {pick, version} to Python, which replaces the layer through the editor's normal
// change path. `version` changes with every new set of proposals, so a press on an outdated line is ignored.

/** @param {{ model: any, el: HTMLElement }} ctx */
function render({ model, el }) {
  el.classList.add("convkit-proposals");
  el.setAttribute("role", "group");

  const draw = () => {
    /** @type {string[]} */
    const labels = model.get("labels") ?? [];
    /** @type {string[]} */
    const arias = model.get("aria_labels") ?? [];
    const version = model.get("version");
    el.replaceChildren();
    el.hidden = labels.length === 0;
    if (!labels.length) return;
    const intro = document.createElement("span");
    intro.className = "convkit-proposals-intro";
    intro.textContent = model.get("intro");
    intro.id = `convkit-proposals-${Math.random().toString(36).slice(2)}`;
    el.setAttribute("aria-labelledby", intro.id);
    el.append(intro);
    labels.forEach((label, i) => {
      if (i > 0) {
        const sep = document.createElement("span");
        sep.className = "convkit-proposals-sep";
        sep.setAttribute("aria-hidden", "true");
        sep.textContent = "·";
        el.append(sep);
      }
      const button = document.createElement("button");
      button.type = "button";
      button.className = "convkit-proposal";
      button.textContent = label;
      button.setAttribute("aria-label", arias[i] ?? label);
      button.title = arias[i] ?? label;
      button.addEventListener("click", () => model.send({ pick: i, version }));
      el.append(button);
    });
  };

  model.on("change:labels", draw);
  model.on("change:intro", draw);
  draw();
  return () => {
    model.off("change:labels", draw);
    model.off("change:intro", draw);
  };
}

export default { render };
