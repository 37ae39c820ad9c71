{{%AUTOESCAPE context="HTML"}}{{>HEADER}}
<section class="card narrow error-page">
  <h1>{{TITLE}}</h1>
  <p class="status-code">Error {{STATUS}}</p>
  <p>{{MESSAGE}}</p>
  <p><a href="/">Go to the inbox</a></p>
</section>
{{>FOOTER}}
