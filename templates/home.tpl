{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<h1>Inbox</h1>
<p class="empty">Nothing waits for you, {{USER_NAME}}.</p>
{{>FOOTER}}
