{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<div class="title-row">
  <h1>Notifications</h1>
  {{#HAS_UNREAD}}
  <form method="post" action="/notifications/read-all" class="inline">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <button type="submit">Mark all as read</button>
  </form>
  {{/HAS_UNREAD}}
</div>
<p class="muted"><span id="unread-total">{{UNREAD}}</span> unread of {{TOTAL}}.
  Choose what reaches you, and how, on <a href="/me/notifications">your notification settings</a>.</p>
{{#HAS_NOTES}}
<ul class="phases notifications" aria-label="Notifications, newest first">
  {{#NOTE}}
  <li class="card{{#NOTE_UNREAD}} unread{{/NOTE_UNREAD}}" id="note-{{NOTE_ID}}">
    {{#NOTE_UNREAD}}<span class="badge s-on">Unread</span>{{/NOTE_UNREAD}}
    {{#NOTE_LINK}}<a href="{{NOTE_HREF}}">{{NOTE_TEXT}}</a>{{/NOTE_LINK}}{{#NOTE_NOLINK}}{{NOTE_TEXT}}{{/NOTE_NOLINK}}
    <span class="muted small"><time title="{{NOTE_AT}}">{{NOTE_AGO}}</time></span>
    {{#NOTE_UNREAD}}
    <form method="post" action="/notifications/{{NOTE_ID}}/read" class="inline">
      <input type="hidden" name="csrf" value="{{CSRF}}">
      <input type="hidden" name="page" value="{{PAGE}}">
      <button type="submit" class="link">Mark as read</button>
    </form>
    {{/NOTE_UNREAD}}
  </li>
  {{/NOTE}}
</ul>
{{/HAS_NOTES}}
{{#NO_NOTES}}<p class="empty">No notifications yet. When an activity waits for you, or a decision is made on your release, it shows here.</p>{{/NO_NOTES}}
{{#PAGER}}
<nav class="pager" aria-label="Pages">
  {{#PREV}}<a href="/notifications?page={{PREV_PAGE}}" rel="prev">← Newer</a>{{/PREV}}
  <span>Page {{PAGE}} of {{PAGES}}</span>
  {{#NEXT}}<a href="/notifications?page={{NEXT_PAGE}}" rel="next">Older →</a>{{/NEXT}}
</nav>
{{/PAGER}}
{{>FOOTER}}
