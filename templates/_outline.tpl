{{%AUTOESCAPE context="HTML"}}{{! A template in plain words: filled by template_view_outline (web/template_view.c). }}
<section class="card outline" aria-labelledby="outline-title">
  <h2 id="outline-title">What it runs</h2>
  {{#VARIABLES}}<p>A release supplies: <strong>{{VARIABLES}}</strong>.</p>{{/VARIABLES}}
  <ol class="outline-phases">
  {{#PHASE}}
    <li>
      <h3>Phase {{PHASE_NO}}: {{PHASE_NAME}}</h3>
      {{#PHASE_DESCRIPTION}}<p class="muted">{{PHASE_DESCRIPTION}}</p>{{/PHASE_DESCRIPTION}}
      <ul class="outline-acts">
      {{#ACT}}
        <li>
          <strong>{{ACT_NAME}}</strong> <span class="kind">{{ACT_KIND}}</span>
          {{#ACT_AFTER}}<span class="muted">after {{ACT_AFTER}}</span>{{/ACT_AFTER}}
          <p>{{ACT_WHAT}}</p>
          {{#ACT_DESCRIPTION}}<p class="muted">{{ACT_DESCRIPTION}}</p>{{/ACT_DESCRIPTION}}
          {{#ACT_FIELDS}}<p class="small">Asks for: {{ACT_FIELDS}}.</p>{{/ACT_FIELDS}}
          {{#ACT_DEADLINE}}<p class="small">Deadline: {{ACT_DEADLINE}}.</p>{{/ACT_DEADLINE}}
          {{#ACT_SIGNATURE}}<p class="small">Needs an electronic signature: “{{ACT_SIGNATURE}}”.</p>{{/ACT_SIGNATURE}}
        </li>
      {{/ACT}}
      </ul>
    </li>
  {{/PHASE}}
  </ol>
  <p class="help">When an approval or a task is rejected: {{ON_REJECT}}.</p>
</section>
