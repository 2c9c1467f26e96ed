// Operator actions on a device: a confirmation, the request to the manager,
// and a log of what the manager answered. Nothing is shown as done here: the
// result appears when the state topics and the manager's views change.
import { $, h } from '../dom.js';

const LABEL = {
  defer: 'Defer the update of',
  cancel: 'Cancel the update of',
  suspend: 'Suspend the update of',
  resume: 'Resume the update of',
};

export class Actions {
  constructor(link) {
    this.link = link;
  }

  confirm(op, device) {
    const dlg = $('#confirm');
    $('#confirm-text').textContent = `${LABEL[op] || op} ${device}?`;
    $('#confirm-by-label').hidden = op !== 'defer';
    $('#confirm-by').value = '';
    return new Promise((resolve) => {
      dlg.addEventListener('close', () => resolve(dlg.returnValue === 'ok'), { once: true });
      dlg.returnValue = '';
      dlg.showModal();
    });
  }

  async run(op, device) {
    if (!(await this.confirm(op, device))) return;
    const args = { device };
    const by = Number($('#confirm-by').value);
    if (op === 'defer' && by > 0) args.by_ms = Math.round(by * 60 * 1000); // minutes in the dialog
    const item = this.log(`${op} ${device}: sent, waiting for the manager…`, 'pending');
    const resp = await this.link.request(op, args);
    if (resp.ok) {
      item.className = 'accepted';
      item.textContent = `${item.dataset.at} ${op} ${device}: accepted by the manager; the tables change when the gateway reports it`;
    } else {
      item.className = 'refused';
      item.textContent = `${item.dataset.at} ${op} ${device}: refused by the manager: ${resp.error}`;
    }
  }

  log(text, cls) {
    const at = new Date().toLocaleTimeString([], { hour12: false });
    const li = h('li', { class: cls, 'data-at': at }, `${at} ${text}`);
    $('#action-log').prepend(li);
    return li;
  }
}
