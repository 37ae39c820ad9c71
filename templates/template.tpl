{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<nav class="crumbs" aria-label="Breadcrumb"><a href="/templates">Templates</a> <span aria-hidden="true">›</span> <span aria-current="page">{{NAME}} v{{VERSION}}</span></nav>
<div class="title-row">
  <h1>{{NAME}} <span class="version">v{{VERSION}}</span></h1>
  {{#IS_LATEST}}<span class="badge s-completed">Latest</span>{{/IS_LATEST}}
  {{#NOT_LATEST}}<span class="badge s-pending">Older version</span> <span class="muted">latest is v{{LATEST}}</span>{{/NOT_LATEST}}
</div>
{{#DESCRIPTION}}<p class="lead">{{DESCRIPTION}}</p>{{/DESCRIPTION}}
{{#CAN_START}}<p class="actions"><a class="button primary" href="/releases/new?template={{NAME:url_query_escape}}">Start a release of {{NAME}}</a></p>{{/CAN_START}}
<section class="card" aria-labelledby="facts-title">
  <h2 id="facts-title" class="visually-hidden">Details</h2>
  <dl class="facts">
    <dt>Imported</dt><dd><span title="{{CREATED_UTC}}">{{CREATED_AGO}}</span> <span class="muted">({{CREATED_UTC}})</span></dd>
    <dt>Imported by</dt><dd>{{CREATED_BY}}</dd>
  </dl>
</section>
{{>OUTLINE}}
<section class="card" aria-labelledby="source-title">
  <h2 id="source-title">Source</h2>
  <pre class="source" tabindex="0" aria-label="YAML source of {{NAME}} version {{VERSION}}"><code>{{SOURCE:pre_escape}}</code></pre>
</section>
<section aria-labelledby="versions-title">
  <h2 id="versions-title">Versions</h2>
  <div class="table-wrap" tabindex="0">
  <table>
    <thead><tr><th scope="col">Version</th><th scope="col">Imported</th><th scope="col" class="hide-sm">By</th><th scope="col">Releases</th></tr></thead>
    <tbody>
    {{#VERSION_ROW}}
    <tr>
      <td>{{#V_CURRENT}}<strong aria-current="page">v{{V_VERSION}}</strong> <span class="muted">(shown)</span>{{/V_CURRENT}}{{#V_OTHER}}<a href="/templates/{{V_ID}}">v{{V_VERSION}}</a>{{/V_OTHER}}</td>
      <td><span title="{{V_CREATED_UTC}}">{{V_CREATED_AGO}}</span></td>
      <td class="hide-sm">{{V_BY}}</td>
      <td>{{V_RELEASES}}</td>
    </tr>
    {{/VERSION_ROW}}
    </tbody>
  </table>
  </div>
</section>
{{>FOOTER}}
