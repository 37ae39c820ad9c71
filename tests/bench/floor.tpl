{{%AUTOESCAPE context="HTML"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{TITLE}} · Holdpoint</title>
<link rel="stylesheet" href="/static/css/holdpoint.css"></head>
<body><main><h1>{{TITLE}}</h1>
<table><thead><tr><th>Activity</th><th>Status</th><th>Since</th></tr></thead><tbody>
{{#ROW}}<tr><td><a href="/activities/{{ID}}">{{NAME}}</a></td><td><span class="badge s-{{STATUS}}">{{STATUS}}</span></td><td>{{WHEN}}</td></tr>
{{/ROW}}</tbody></table></main></body></html>
