// The guest pages, one script for every path the Worker does not answer itself:
//   /s/{service}      the service's chat page                      (chat-pages.ts)
//   /u/{agent}        the agent's contact-me page                  (chat-pages.ts)
//   /u/{agent}/meet   the agent's meeting types, or booking the only one (booking-page.ts)
//   /u/{agent}/meet/{type}  booking a meeting of that type         (booking-page.ts)
//   /meeting#{link}   the guest's meeting, behind the signed link emailed to them (meeting-page.ts)
//   /invite#{invite}  a second guest joins a conversation          (invite-page.ts)
// Links carry their secret after `#`, which browsers never send to a server or a Referer.
import { bookingPage } from './booking-page';
import { contactPage, servicePage } from './chat-pages';
import { h } from './chat-view';
import { invitePage } from './invite-page';
import { meetingPage } from './meeting-page';
import { notFound } from './page';
import { chatCss } from './styles';

document.head.append(h('style', {}, chatCss));
const secret = () => decodeURIComponent(location.hash.slice(1));
const [first, slug, sub, type, ...rest] = location.pathname.split('/').filter(Boolean);

// Another link pasted into the same tab changes only the hash: read it afresh.
if (first === 'meeting' || first === 'invite') addEventListener('hashchange', () => location.reload());

if (rest.length || (type && sub !== 'meet')) notFound();
else if (first === 's' && slug && !sub) servicePage(slug);
else if (first === 'u' && slug && !sub) contactPage(slug);
else if (first === 'u' && slug && sub === 'meet') bookingPage(slug, type && decodeURIComponent(type));
else if (first === 'meeting' && !slug) meetingPage(secret());
else if (first === 'invite' && !slug) invitePage(secret());
else notFound();
