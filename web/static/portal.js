// The portal's few scripts (served from here, as the pages' Content-Security-Policy allows no inline script).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // an upload may wait its turn behind a run: say so while the page waits for the answer
  const upload = document.getElementById("upload");
  if (upload) {
    upload.addEventListener("submit", () => {
      document.getElementById("waiting").hidden = false;
      document.getElementById("send").disabled = true;
    });
  }

  // a run's page follows the run until it ends
  const state = document.getElementById("job-state");
  if (state && state.dataset.running === "1") {
    const follow = async () => {
      const answer = await fetch(`/api/jobs/${state.dataset.job}`, { credentials: "same-origin" });
      if (!answer.ok) return;
      const job = await answer.json();
      state.textContent = job.state_label;
      state.className = `job ${job.state}`;
      document.getElementById("job-seconds").textContent = job.seconds;
      document.getElementById("job-output").textContent = job.output;
      const steps = document.getElementById("job-steps");
      steps.replaceChildren(...job.steps.map((s) => {
        const item = document.createElement("li");
        item.className = s.done ? "done" : "failed";
        item.textContent = s.done ? s.step : `${s.step}（${s.state}）`;
        return item;
      }));
      if (job.state === "running") {
        setTimeout(follow, 2000);
      } else {
        const busy = document.getElementById("busy");
        if (busy) busy.hidden = true;
      }
    };
    setTimeout(follow, 2000);
  }
});
