// The tab's title: what is shown ("Ann Lee · Doorbell console"), led by the agent's total
// unread count ("(3) …") so a background tab tells them there is something to answer.
let base = 'Doorbell console';
let unread = 0;

const render = () => (document.title = unread > 0 ? `(${unread}) ${base}` : base);

export function setPageTitle(title: string) {
  base = title;
  render();
}

export function setUnreadInTitle(total: number) {
  unread = total;
  render();
}
