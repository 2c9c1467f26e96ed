// Operator actions on a device: a confirmation, the request to the manager,
// and a log of what the manager answered. Nothing is shown as done here: the
// result appears when the state topics and the manager's views change.
import { $, h } from '../dom.js';

const LABEL = {
  defer: 'Defer the update of',
  cancel: 'Cancel the update of',
  suspend: 'Suspend the update of',
  resume: 'Resume the update of',
  campaign_pause: 'Pause the whole campaign',
  campaign_resume: 'Resume the whole campaign',
  campaign_cancel: 'Cancel the whole campaign (devices keep their firmware)',
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
    await this.send(op, device, args, 'the tables change when the gateway reports it');
  }

  // pause, resume or cancel of a whole campaign (campaign_pause/resume/cancel).
  async runCampaign(action, campaign) {
    const op = `campaign_${action}`;
    if (!(await this.confirm(op, campaign))) return;
    await this.send(op, campaign, { campaign }, 'every gateway applies it as it confirms');
  }

  async send(op, target, args, then) {
    const item = this.log(`${op} ${target}: sent, waiting for the manager…`, 'pending');
    const resp = await this.link.request(op, args);
    if (resp.ok) {
      item.className = 'accepted';
      item.textContent = `${item.dataset.at} ${op} ${target}: accepted by the manager; ${then}`;
    } else {
      item.className = 'refused';
      item.textContent = `${item.dataset.at} ${op} ${target}: refused by the manager: ${resp.error}`;
    }
  }

  log(text, cls) {
    const at = new Date().toLocaleTimeString([], { hour12: false });
    const li = h('li', { class: cls, 'data-at': at }, `${at} ${text}`);
    $('#action-log').prepend(li);
    return li;
  }
}
