{{%AUTOESCAPE context="HTML"}}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}} · Holdpoint</title>
<link rel="stylesheet" href="/static/css/holdpoint.css">
<script src="/static/js/holdpoint.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/">Holdpoint</a>
  {{#SIGNED_IN}}
  <nav class="nav" aria-label="Main">
    <a href="/">Inbox</a>
    <a href="/releases">Releases</a>
    <a href="/templates">Templates</a>
    {{#INSIGHTS}}<a href="/insights">Insights</a>{{/INSIGHTS}}
    {{#AUDITOR}}<a href="/audit">Audit</a>{{/AUDITOR}}
    {{#ADMIN}}<a href="/admin">Admin</a>{{/ADMIN}}
    <a href="/notifications" id="nav-notifications">Notifications{{#UNREAD}} <span class="badge-count" id="unread-count" aria-label="{{UNREAD_COUNT}} unread">{{UNREAD_COUNT}}</span>{{/UNREAD}}</a>
  </nav>
  <div class="user">
    <a href="/me" title="{{ROLES}}">{{USER_NAME}}</a>
    <form method="post" action="/logout" class="inline">
      <input type="hidden" name="csrf" value="{{CSRF}}">
      <button type="submit" class="link">Sign out</button>
    </form>
  </div>
  {{/SIGNED_IN}}
</header>
<main id="main">
{{#FLASH}}<p class="flash" role="status">{{FLASH}}</p>{{/FLASH}}
